import re


def snake_case(name):
    """'CamelCase' -> 'camel_case', 'getHTTPResponse' -> 'get_http_response'."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"_\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()
