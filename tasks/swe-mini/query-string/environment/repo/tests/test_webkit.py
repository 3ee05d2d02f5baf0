from webkit.query import parse_query


def test_one():
    assert parse_query('k=v') == {'k': 'v'}
