import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from datekit.span import days_between


def test_forward():
    assert days_between('2024-01-01', '2024-01-31') == 30


def test_backward():
    assert days_between('2024-03-01', '2024-02-01') == 29


def test_same():
    assert days_between('2024-05-05', '2024-05-05') == 0
