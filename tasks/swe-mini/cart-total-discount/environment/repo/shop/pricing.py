def apply_discount(price, pct):
    """price reduced by pct percent."""
    return price * (100 - pct) / 100
