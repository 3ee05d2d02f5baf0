import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from listkit.tags import add_tag


def test_fresh_each_call():
    add_tag('a')
    assert add_tag('b') == ['b']


def test_given_list():
    xs = ['x']
    assert add_tag('y', xs) == ['x', 'y'] and xs == ['x', 'y']
