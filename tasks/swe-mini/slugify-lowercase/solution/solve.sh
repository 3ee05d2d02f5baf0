#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/textkit/slug.py" <<'SWERL_EOF'
import re


def slugify(text):
    """'Hello World!' -> 'hello-world'"""
    words = re.findall(r"[A-Za-z0-9]+", text)
    return "-".join(words).lower()
SWERL_EOF
