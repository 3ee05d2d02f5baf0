from textkit.pal import is_palindrome


def test_simple():
    assert is_palindrome('abba')
