from shop.pricing import apply_discount


def cart_total(items, discount_pct=0):
    """Sum of price * qty over (price, qty) items, then the discount applied once to the sum."""
    total = 0
    for price, qty in items:
        total += apply_discount(price, discount_pct) * qty
        total = apply_discount(total, discount_pct)
    return round(total, 2)
