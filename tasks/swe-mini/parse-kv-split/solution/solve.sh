#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/confkit/parse.py" <<'SWERL_EOF'
def parse_kv(line):
    """'key=value' -> (key, value); the value may itself contain '='."""
    key, value = line.split("=", 1)
    return key.strip(), value.strip()
SWERL_EOF
