import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from listkit.flat import flatten


def test_deep():
    assert flatten([1, [2, [3, [4]]]]) == [1, 2, 3, 4]


def test_one_level():
    assert flatten([1, [2, 3]]) == [1, 2, 3]


def test_flat():
    assert flatten([1]) == [1]
