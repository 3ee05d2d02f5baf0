import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from webkit.query import parse_query


def test_two():
    assert parse_query('a=1&b=2') == {'a': '1', 'b': '2'}


def test_flag():
    assert parse_query('x=1&flag') == {'x': '1', 'flag': ''}


def test_empty():
    assert parse_query('') == {}


def test_one():
    assert parse_query('k=v') == {'k': 'v'}
