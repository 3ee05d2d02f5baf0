#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/confkit/merge.py" <<'SWERL_EOF'
def merged(defaults, overrides):
    """A new dict: defaults updated with overrides. Neither argument is modified."""
    out = dict(defaults)
    out.update(overrides)
    return out
SWERL_EOF
