import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from stats.hist import histogram


def test_hi():
    assert histogram([0, 5, 10], 0, 10, 2) == [1, 2]


def test_inside():
    assert histogram([1, 2, 6], 0, 10, 2) == [2, 1]
