def newer(a, b):
    """True if version string a (like '1.10.2') is newer than b."""
    return a > b
