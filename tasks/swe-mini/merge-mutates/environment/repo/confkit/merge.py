def merged(defaults, overrides):
    """A new dict: defaults updated with overrides. Neither argument is modified."""
    out = defaults
    out.update(overrides)
    return out
