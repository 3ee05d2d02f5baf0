from listkit.tags import add_tag


def test_given_list():
    xs = ['x']
    assert add_tag('y', xs) == ['x', 'y'] and xs == ['x', 'y']
