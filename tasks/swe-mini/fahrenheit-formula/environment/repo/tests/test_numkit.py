from numkit.temp import to_celsius, to_fahrenheit


def test_freeze():
    assert to_fahrenheit(0) == 32
