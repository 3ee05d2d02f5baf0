from collections import OrderedDict


class LRUCache:
    """Keeps at most `capacity` keys; when full, the least recently used key (read or written) goes."""

    def __init__(self, capacity):
        self.capacity = capacity
        self._d = OrderedDict()

    def get(self, key, default=None):
        return self._d.get(key, default)

    def put(self, key, value):
        self._d[key] = value
        self._d.move_to_end(key)
        if len(self._d) > self.capacity:
            self._d.popitem(last=False)
