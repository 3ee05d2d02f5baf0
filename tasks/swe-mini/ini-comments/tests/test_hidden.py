import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from confkit.ini import parse


def test_hash():
    assert parse('# c\nx = 1') == {'x': '1'}


def test_semicolon():
    assert parse('; c\n  ; d\ny=2') == {'y': '2'}


def test_plain():
    assert parse('a=1\n\nb = 2') == {'a': '1', 'b': '2'}
