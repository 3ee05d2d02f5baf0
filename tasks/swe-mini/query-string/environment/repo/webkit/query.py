def parse_query(qs):
    """'a=1&b=two&flag' -> {'a': '1', 'b': 'two', 'flag': ''}; an empty string gives {}."""
    out = {}
    for part in qs.split(","):
        key, value = part.split("=")
        out[key] = value
    return out
