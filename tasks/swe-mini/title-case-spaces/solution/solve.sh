#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/textkit/title.py" <<'SWERL_EOF'
def title_case(text):
    """Capitalize the first letter of every word; runs of spaces are kept as they are."""
    return " ".join(w[:1].upper() + w[1:] for w in text.split(" "))
SWERL_EOF
