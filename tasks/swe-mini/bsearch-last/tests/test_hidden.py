import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from listkit.search import index_of


def test_last():
    assert index_of([1, 3, 5], 5) == 2


def test_single():
    assert index_of([7], 7) == 0


def test_middle():
    assert index_of([1, 3, 5], 3) == 1


def test_absent():
    assert index_of([1, 3], 2) == -1
