import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from numkit.gcd import gcd


def test_12_18():
    assert gcd(12, 18) == 6


def test_negative():
    assert gcd(-4, 6) == 2


def test_zero_zero():
    assert gcd(0, 0) == 0
