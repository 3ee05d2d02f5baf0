#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/textkit/trunc.py" <<'SWERL_EOF'
def truncate(s, n):
    """s if it has at most n characters, else its first characters plus '...', n characters in all."""
    if len(s) <= n:
        return s
    return s[: n - 3] + "..."
SWERL_EOF
