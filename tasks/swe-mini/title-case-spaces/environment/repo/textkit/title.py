def title_case(text):
    """Capitalize the first letter of every word; runs of spaces are kept as they are."""
    return " ".join(w[0].upper() + w[1:] for w in text.split(" "))
