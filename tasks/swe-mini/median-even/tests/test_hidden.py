import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from stats.median import median


def test_even():
    assert median([4, 1, 3, 2]) == 2.5


def test_two():
    assert median([1, 2]) == 1.5


def test_odd():
    assert median([3, 1, 2]) == 2


def test_one():
    assert median([7]) == 7
