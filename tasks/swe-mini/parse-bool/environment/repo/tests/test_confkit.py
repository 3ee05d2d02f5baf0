from confkit.flags import parse_bool


def test_true():
    assert parse_bool('yes') is True
