from numkit.safe import safe_div


def test_normal():
    assert safe_div(6, 3) == 2
