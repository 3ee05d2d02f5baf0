import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from textkit.title import title_case


def test_double_space():
    assert title_case('hello  world') == 'Hello  World'


def test_trailing():
    assert title_case('a ') == 'A '


def test_simple():
    assert title_case('big red dog') == 'Big Red Dog'
