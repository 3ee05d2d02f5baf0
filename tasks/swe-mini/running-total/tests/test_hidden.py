import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from stats.cumsum import running_total


def test_basic():
    assert running_total([1, 2, 3]) == [1, 3, 6]


def test_neg():
    assert running_total([-1, 1]) == [-1, 0]


def test_empty():
    assert running_total([]) == []
