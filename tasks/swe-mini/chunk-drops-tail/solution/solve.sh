#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/listkit/chunk.py" <<'SWERL_EOF'
def chunk(xs, n):
    """Split xs into lists of length n (the last one may be shorter)."""
    return [xs[i:i + n] for i in range(0, len(xs), n)]
SWERL_EOF
