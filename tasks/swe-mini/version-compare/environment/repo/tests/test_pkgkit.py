from pkgkit.version import newer


def test_simple():
    assert newer('2.0', '1.0')
