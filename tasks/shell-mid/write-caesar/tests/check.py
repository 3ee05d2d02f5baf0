import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')

from cipher import decode, encode

assert encode("abc xyz", 3) == "def abc"
assert encode("Hello, World!", 13) == "Uryyb, Jbeyq!"
assert decode(encode("Mixed Case 123", 7), 7) == "Mixed Case 123"
assert encode("a", 27) == "b"
