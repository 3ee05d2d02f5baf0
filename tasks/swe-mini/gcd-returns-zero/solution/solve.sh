#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/numkit/gcd.py" <<'SWERL_EOF'
def gcd(a, b):
    """Greatest common divisor (non-negative), Euclid's algorithm."""
    while b:
        a, b = b, a % b
    return abs(a)
SWERL_EOF
