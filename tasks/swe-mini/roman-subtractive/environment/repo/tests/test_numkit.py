from numkit.roman import to_roman


def test_3():
    assert to_roman(3) == 'III'
