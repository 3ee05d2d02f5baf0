#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
cat > rle.py <<'SWERL_EOF'
import itertools
import re


def encode(s):
    return ''.join(f'{len(list(g))}{c}' for c, g in itertools.groupby(s))


def decode(s):
    return ''.join(c * int(n) for n, c in re.findall(r'(\d+)(\D)', s))
SWERL_EOF
