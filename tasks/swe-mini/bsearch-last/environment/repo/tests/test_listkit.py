from listkit.search import index_of


def test_middle():
    assert index_of([1, 3, 5], 3) == 1
