from stats.hist import histogram


def test_inside():
    assert histogram([1, 2, 6], 0, 10, 2) == [2, 1]
