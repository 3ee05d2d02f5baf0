#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
python3 -c 'rows = [l.split() for l in open("matrix.txt") if l.strip()]; open("transposed.txt", "w").write("".join(" ".join(c) + "\n" for c in zip(*rows)))'
