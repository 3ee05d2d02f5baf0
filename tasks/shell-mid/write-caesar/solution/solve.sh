#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
cat > cipher.py <<'SWERL_EOF'
def _shift(c, k):
    for base in ('a', 'A'):
        o = ord(base)
        if o <= ord(c) < o + 26:
            return chr(o + (ord(c) - o + k) % 26)
    return c


def encode(text, shift):
    return ''.join(_shift(c, shift) for c in text)


def decode(text, shift):
    return encode(text, -shift)
SWERL_EOF
