#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/listkit/flat.py" <<'SWERL_EOF'
def flatten(xs):
    """Flatten arbitrarily nested lists: [1, [2, [3]]] -> [1, 2, 3]."""
    out = []
    for x in xs:
        if isinstance(x, list):
            out.extend(flatten(x))
        else:
            out.append(x)
    return out
SWERL_EOF
