import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from numkit.clamp import clamp


def test_inside():
    assert clamp(5, 0, 10) == 5


def test_low():
    assert clamp(-3, 0, 10) == 0


def test_equal():
    assert clamp(10, 10, 10) == 10
