def parse_bool(s):
    """'true'/'yes'/'1'/'on' -> True, 'false'/'no'/'0'/'off' -> False (any case); else ValueError."""
    return bool(s)
