#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/listkit/rotate.py" <<'SWERL_EOF'
def rotate(xs, k):
    """Rotate right by k places: rotate([1, 2, 3], 1) == [3, 1, 2]; any k >= 0 works."""
    if not xs:
        return []
    k %= len(xs)
    return xs[-k:] + xs[:-k] if k else list(xs)
SWERL_EOF
