import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from confkit.parse import parse_kv


def test_eq_in_value():
    assert parse_kv('url=a=b') == ('url', 'a=b')


def test_simple():
    assert parse_kv(' x = 1 ') == ('x', '1')
