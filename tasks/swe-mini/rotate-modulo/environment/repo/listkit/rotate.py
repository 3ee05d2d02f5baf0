def rotate(xs, k):
    """Rotate right by k places: rotate([1, 2, 3], 1) == [3, 1, 2]; any k >= 0 works."""
    return xs[-k:] + xs[:-k]
