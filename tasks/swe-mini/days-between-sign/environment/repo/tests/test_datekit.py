from datekit.span import days_between


def test_backward():
    assert days_between('2024-03-01', '2024-02-01') == 29
