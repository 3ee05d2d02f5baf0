import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from datekit.leap import is_leap


def test_1900():
    assert not is_leap(1900)


def test_2100():
    assert not is_leap(2100)


def test_2000():
    assert is_leap(2000)


def test_2024():
    assert is_leap(2024)


def test_2023():
    assert not is_leap(2023)
