def dedupe(xs):
    """Remove duplicates, keeping the first occurrence order."""
    return list(set(xs))
