from numkit.clamp import clamp


def test_equal():
    assert clamp(10, 10, 10) == 10
