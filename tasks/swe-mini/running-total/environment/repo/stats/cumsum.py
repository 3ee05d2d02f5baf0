def running_total(xs):
    """[1, 2, 3] -> [1, 3, 6]."""
    out, acc = [], xs[0] if xs else 0
    for x in xs:
        acc += x
        out.append(acc)
    return out
