from confkit.ini import parse


def test_plain():
    assert parse('a=1\n\nb = 2') == {'a': '1', 'b': '2'}
