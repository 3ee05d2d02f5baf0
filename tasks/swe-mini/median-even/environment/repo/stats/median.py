def median(xs):
    """Median of a non-empty list; the mean of the two middle values when the length is even."""
    s = sorted(xs)
    return s[len(s) // 2]
