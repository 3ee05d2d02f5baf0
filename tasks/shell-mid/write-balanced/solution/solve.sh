#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
cat > brackets.py <<'SWERL_EOF'
def is_balanced(s):
    pairs = {')': '(', ']': '[', '}': '{'}
    stack = []
    for c in s:
        if c in '([{':
            stack.append(c)
        elif c in pairs:
            if not stack or stack.pop() != pairs[c]:
                return False
    return not stack
SWERL_EOF
