import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from pkgkit.version import newer


def test_ten_vs_nine():
    assert newer('1.10', '1.9')


def test_not():
    assert not newer('2.9.9', '2.10')


def test_simple():
    assert newer('2.0', '1.0')


def test_equal():
    assert not newer('1.2', '1.2')
