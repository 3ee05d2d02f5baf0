#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/stats/core.py" <<'SWERL_EOF'
def mean(xs):
    """Arithmetic mean of a non-empty list."""
    return sum(xs) / len(xs)


def total(xs):
    return sum(xs)
SWERL_EOF
