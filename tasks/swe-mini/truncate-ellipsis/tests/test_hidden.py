import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from textkit.trunc import truncate


def test_long():
    assert truncate('abcdefghij', 8) == 'abcde...'


def test_len():
    assert len(truncate('x' * 50, 10)) == 10


def test_short():
    assert truncate('abc', 8) == 'abc'


def test_exact():
    assert truncate('abcd', 4) == 'abcd'
