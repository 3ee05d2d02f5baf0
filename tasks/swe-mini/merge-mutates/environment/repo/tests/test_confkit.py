from confkit.merge import merged


def test_values():
    assert merged({'a': 1, 'b': 2}, {'b': 3}) == {'a': 1, 'b': 3}
