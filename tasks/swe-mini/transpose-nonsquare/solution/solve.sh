#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/numkit/matrix.py" <<'SWERL_EOF'
def transpose(m):
    """Rows become columns; works for any rectangular matrix."""
    return [[m[i][j] for i in range(len(m))] for j in range(len(m[0]))]
SWERL_EOF
