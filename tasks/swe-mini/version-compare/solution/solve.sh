#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/pkgkit/version.py" <<'SWERL_EOF'
def newer(a, b):
    """True if version string a (like '1.10.2') is newer than b."""
    return tuple(int(p) for p in a.split(".")) > tuple(int(p) for p in b.split("."))
SWERL_EOF
