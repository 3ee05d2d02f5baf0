import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from numkit.temp import to_celsius, to_fahrenheit


def test_boil():
    assert to_fahrenheit(100) == 212.0


def test_minus40():
    assert to_fahrenheit(-40) == -40.0


def test_freeze():
    assert to_fahrenheit(0) == 32


def test_celsius():
    assert to_celsius(212) == 100
