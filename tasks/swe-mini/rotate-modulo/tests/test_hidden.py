import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from listkit.rotate import rotate


def test_big_k():
    assert rotate([1, 2, 3], 4) == [3, 1, 2]


def test_k5():
    assert rotate([1, 2], 5) == [2, 1]


def test_one():
    assert rotate([1, 2, 3], 1) == [3, 1, 2]


def test_zero():
    assert rotate([1, 2, 3], 0) == [1, 2, 3]


def test_empty():
    assert rotate([], 2) == []
