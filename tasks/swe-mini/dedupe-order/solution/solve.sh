#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/listkit/dedupe.py" <<'SWERL_EOF'
def dedupe(xs):
    """Remove duplicates, keeping the first occurrence order."""
    return list(dict.fromkeys(xs))
SWERL_EOF
