import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from stats.core import mean, total


def test_mean_two():
    assert mean([2, 4]) == 3.0


def test_mean_one():
    assert mean([5]) == 5.0


def test_total():
    assert total([1, 2, 3]) == 6
