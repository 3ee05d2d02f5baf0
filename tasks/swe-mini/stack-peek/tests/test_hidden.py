import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from structs.stack import Stack


def test_peek_top():
    s = Stack()
    s.push(1)
    s.push(2)
    assert s.peek() == 2 and len(s) == 2


def test_pop():
    s = Stack()
    s.push(1)
    s.push(2)
    assert s.pop() == 2 and len(s) == 1


def test_peek_empty():
    import pytest
    with pytest.raises(IndexError):
        Stack().peek()
