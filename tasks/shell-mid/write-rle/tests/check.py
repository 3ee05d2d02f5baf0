import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')

from rle import decode, encode

assert encode("aaabcc") == "3a1b2c" and decode("3a1b2c") == "aaabcc"
assert encode("x" * 12 + "y") == "12x1y" and decode("12x1y") == "x" * 12 + "y"
assert encode("") == "" and decode("") == ""
assert decode(encode("abba  z")) == "abba  z"
