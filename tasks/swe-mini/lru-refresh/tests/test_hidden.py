import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from structs.lru import LRUCache


def test_get_refreshes():
    c = LRUCache(2)
    c.put('a', 1)
    c.put('b', 2)
    c.get('a')
    c.put('c', 3)
    assert c.get('a') == 1 and c.get('b') is None


def test_evicts_oldest():
    c = LRUCache(1)
    c.put('a', 1)
    c.put('b', 2)
    assert c.get('a') is None and c.get('b') == 2


def test_default():
    assert LRUCache(1).get('x', 0) == 0
