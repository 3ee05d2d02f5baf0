#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/confkit/ini.py" <<'SWERL_EOF'
def parse(text):
    """'key = value' lines -> dict; blank lines and lines starting with # or ; are ignored."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        key, _, value = line.partition("=")
        out[key.strip()] = value.strip()
    return out
SWERL_EOF
