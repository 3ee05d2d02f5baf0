def word_count(text):
    """Count words case-insensitively: {'the': 2, ...}."""
    counts = {}
    for w in text.split():
        counts[w] = counts.get(w, 0) + 1
    return counts
