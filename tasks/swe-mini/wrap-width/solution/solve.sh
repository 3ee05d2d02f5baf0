#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/textkit/wrap.py" <<'SWERL_EOF'
def wrap(text, width):
    """Greedy word wrap: lines of at most `width` characters (a longer word gets a line of its own)."""
    lines, cur = [], ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > width:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    if cur:
        lines.append(cur)
    return lines
SWERL_EOF
