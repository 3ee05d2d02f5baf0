import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from listkit.intervals import merge


def test_unsorted():
    assert merge([(5, 7), (1, 6)]) == [(1, 7)]


def test_order():
    assert merge([(8, 9), (1, 2)]) == [(1, 2), (8, 9)]


def test_sorted():
    assert merge([(1, 3), (2, 4), (6, 7)]) == [(1, 4), (6, 7)]
