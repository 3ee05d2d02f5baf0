import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from confkit.merge import merged


def test_defaults_untouched():
    base = {'a': 1}
    merged(base, {'a': 2})
    assert base == {'a': 1}


def test_not_same_object():
    base = {}
    assert merged(base, {}) is not base


def test_values():
    assert merged({'a': 1, 'b': 2}, {'b': 3}) == {'a': 1, 'b': 3}
