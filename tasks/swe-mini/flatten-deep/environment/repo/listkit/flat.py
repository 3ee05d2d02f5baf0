def flatten(xs):
    """Flatten arbitrarily nested lists: [1, [2, [3]]] -> [1, 2, 3]."""
    out = []
    for x in xs:
        if isinstance(x, list):
            out.extend(x)
        else:
            out.append(x)
    return out
