from textkit.trunc import truncate


def test_short():
    assert truncate('abc', 8) == 'abc'
