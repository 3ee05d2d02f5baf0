#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/textkit/case.py" <<'SWERL_EOF'
import re


def snake_case(name):
    """'CamelCase' -> 'camel_case', 'getHTTPResponse' -> 'get_http_response'."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()
SWERL_EOF
