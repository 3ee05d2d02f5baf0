import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from textkit.wrap import wrap


def test_over_by_one():
    assert wrap('aaaa bbb', 7) == ['aaaa', 'bbb']


def test_short_words():
    assert wrap('ab cd ef', 4) == ['ab', 'cd', 'ef']


def test_fits():
    assert wrap('aaa bbb ccc', 7) == ['aaa bbb', 'ccc']


def test_long_word():
    assert wrap('abcdefgh', 3) == ['abcdefgh']


def test_width():
    assert all(len(x) <= 10 for x in wrap('the quick brown fox jumps over the lazy dog', 10))
