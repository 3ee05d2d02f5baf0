def histogram(xs, lo, hi, bins):
    """Counts of xs in `bins` equal-width bins over [lo, hi]; x == hi falls into the last bin."""
    counts = [0] * bins
    width = (hi - lo) / bins
    for x in xs:
        counts[int((x - lo) / width)] += 1
    return counts
