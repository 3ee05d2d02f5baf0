import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from confkit.flags import parse_bool


def test_false():
    assert parse_bool('False') is False and parse_bool('off') is False


def test_bad():
    import pytest
    with pytest.raises(ValueError):
        parse_bool('maybe')


def test_true():
    assert parse_bool('yes') is True
