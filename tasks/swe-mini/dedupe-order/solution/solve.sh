#!/bin/bash
set -e
cat > /app/listkit/dedupe.py <<'SWERL_EOF'
def dedupe(xs):
    """Remove duplicates, keeping the first occurrence order."""
    return list(dict.fromkeys(xs))
SWERL_EOF
