#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/textkit/pal.py" <<'SWERL_EOF'
def is_palindrome(s):
    """True if s reads the same backwards, ignoring case and spaces."""
    t = s.replace(" ", "").lower()
    return t == t[::-1]
SWERL_EOF
