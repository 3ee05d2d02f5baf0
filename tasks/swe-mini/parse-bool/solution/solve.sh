#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/confkit/flags.py" <<'SWERL_EOF'
def parse_bool(s):
    """'true'/'yes'/'1'/'on' -> True, 'false'/'no'/'0'/'off' -> False (any case); else ValueError."""
    v = s.strip().lower()
    if v in ("true", "yes", "1", "on"):
        return True
    if v in ("false", "no", "0", "off"):
        return False
    raise ValueError(f"not a boolean: {s!r}")
SWERL_EOF
