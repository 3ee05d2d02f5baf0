from numkit.gcd import gcd


def test_zero_zero():
    assert gcd(0, 0) == 0
