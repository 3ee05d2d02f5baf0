from confkit.parse import parse_kv


def test_simple():
    assert parse_kv(' x = 1 ') == ('x', '1')
