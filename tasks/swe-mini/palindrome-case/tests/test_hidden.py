import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from textkit.pal import is_palindrome


def test_case():
    assert is_palindrome('Racecar')


def test_phrase():
    assert is_palindrome('Never odd or Even')


def test_simple():
    assert is_palindrome('abba')


def test_no():
    assert not is_palindrome('abc')
