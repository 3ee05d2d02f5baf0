from textkit.slug import slugify


def test_plain():
    assert slugify('a b') == 'a-b'
