from structs.lru import LRUCache


def test_evicts_oldest():
    c = LRUCache(1)
    c.put('a', 1)
    c.put('b', 2)
    assert c.get('a') is None and c.get('b') == 2
