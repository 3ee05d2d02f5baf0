#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/textkit/count.py" <<'SWERL_EOF'
def word_count(text):
    """Count words case-insensitively: {'the': 2, ...}."""
    counts = {}
    for w in text.lower().split():
        counts[w] = counts.get(w, 0) + 1
    return counts
SWERL_EOF
