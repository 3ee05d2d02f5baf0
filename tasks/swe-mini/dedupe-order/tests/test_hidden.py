import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from listkit.dedupe import dedupe


def test_order():
    assert dedupe(['b', 'a', 'b', 'c']) == ['b', 'a', 'c']


def test_len():
    assert len(dedupe([1, 1, 2])) == 2
