from inventory.units import to_grams


def total_weight(rows):
    """Total weight in grams of (amount, unit) rows; units: g, kg, lb."""
    return sum(amount for amount, unit in rows)
