#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/webkit/query.py" <<'SWERL_EOF'
def parse_query(qs):
    """'a=1&b=two&flag' -> {'a': '1', 'b': 'two', 'flag': ''}; an empty string gives {}."""
    out = {}
    for part in qs.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        out[key] = value
    return out
SWERL_EOF
