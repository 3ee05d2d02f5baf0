#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/inventory/report.py" <<'SWERL_EOF'
from inventory.units import to_grams


def total_weight(rows):
    """Total weight in grams of (amount, unit) rows; units: g, kg, lb."""
    return sum(to_grams(amount, unit) for amount, unit in rows)
SWERL_EOF
