def parse(text):
    """'key = value' lines -> dict; blank lines and lines starting with # or ; are ignored."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        key, _, value = line.partition("=")
        out[key.strip()] = value.strip()
    return out
