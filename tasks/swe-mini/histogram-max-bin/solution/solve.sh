#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/stats/hist.py" <<'SWERL_EOF'
def histogram(xs, lo, hi, bins):
    """Counts of xs in `bins` equal-width bins over [lo, hi]; x == hi falls into the last bin."""
    counts = [0] * bins
    width = (hi - lo) / bins
    for x in xs:
        counts[min(int((x - lo) / width), bins - 1)] += 1
    return counts
SWERL_EOF
