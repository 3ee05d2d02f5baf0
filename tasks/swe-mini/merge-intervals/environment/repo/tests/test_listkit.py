from listkit.intervals import merge


def test_sorted():
    assert merge([(1, 3), (2, 4), (6, 7)]) == [(1, 4), (6, 7)]
