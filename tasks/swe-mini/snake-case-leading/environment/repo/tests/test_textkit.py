from textkit.case import snake_case


def test_camel():
    assert snake_case('CamelCase') == 'camel_case'
