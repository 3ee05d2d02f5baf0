#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/shop/cart.py" <<'SWERL_EOF'
from shop.pricing import apply_discount


def cart_total(items, discount_pct=0):
    """Sum of price * qty over (price, qty) items, then the discount applied once to the sum."""
    total = 0
    for price, qty in items:
        total += price * qty
    return round(apply_discount(total, discount_pct), 2)
SWERL_EOF
