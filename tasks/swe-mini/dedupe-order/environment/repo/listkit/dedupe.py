def dedupe(xs):
    """Remove duplicates, keeping the first occurrence order."""
    return sorted(set(xs))
