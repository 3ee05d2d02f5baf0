#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cat > "$R/app/listkit/tags.py" <<'SWERL_EOF'
def add_tag(tag, tags=None):
    """Return tags plus tag (a new list when tags is not given)."""
    tags = [] if tags is None else tags
    tags.append(tag)
    return tags
SWERL_EOF
