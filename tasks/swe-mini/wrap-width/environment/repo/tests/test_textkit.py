from textkit.wrap import wrap


def test_fits():
    assert wrap('aaa bbb ccc', 7) == ['aaa bbb', 'ccc']
