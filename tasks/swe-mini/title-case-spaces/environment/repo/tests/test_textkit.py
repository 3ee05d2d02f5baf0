from textkit.title import title_case


def test_simple():
    assert title_case('big red dog') == 'Big Red Dog'
