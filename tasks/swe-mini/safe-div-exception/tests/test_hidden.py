import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from numkit.safe import safe_div


def test_zero():
    assert safe_div(1, 0) is None


def test_zero_default():
    assert safe_div(1, 0, default=0) == 0


def test_normal():
    assert safe_div(6, 3) == 2
