from datekit.leap import is_leap


def test_2000():
    assert is_leap(2000)
