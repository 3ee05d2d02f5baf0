#!/usr/bin/env bash
# Pack .gpu/wheels (from closure.py) into one tar, split into pieces that fit one device call
# (64 MiB per call, the working tree included): .gpu/pieces/part_NN.
#   bash dev/gpu/pack.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
T0=$(date +%s)
[ -f .gpu/closure.json ] || { echo "no .gpu/closure.json — run: .venv/bin/python dev/gpu/closure.py" >&2; exit 1; }
git check-ignore -q .gpu/pieces || { mkdir -p .git/info && echo '/.gpu/' >> .git/info/exclude; }
# what travels anyway = tracked + untracked-not-ignored files
tree_kib=$( (git ls-files -co --exclude-standard -z | du -c --apparent-size -k --files0-from=- 2>/dev/null || true) | tail -1 | cut -f1)
piece_mib=$(( 64 - (tree_kib + 1023) / 1024 - 2 ))   # 2 MiB slack for the tree growing meanwhile
[ "$piece_mib" -ge 8 ] || { echo "working tree is ${tree_kib} KiB — too large to carry pieces" >&2; exit 1; }
rm -rf .gpu/pieces && mkdir -p .gpu/pieces
# .gpu/gguf/*.gguf (optional): verified model GGUFs for the qwen2.5-coder aliases (install.sh puts them in the cache)
tar -C .gpu -cf - wheels closure.json $( [ -d .gpu/gguf ] && echo gguf ) | split -b "${piece_mib}M" -d -a 2 - .gpu/pieces/part_
( cd .gpu/pieces && sha256sum part_* > ../pieces.sha256 )
n=$(ls .gpu/pieces | wc -l)
echo "packed $(du -sh .gpu/wheels | cut -f1) into $n pieces of ${piece_mib} MiB (tree ${tree_kib} KiB) in $(( $(date +%s) - T0 ))s"
ls -la .gpu/pieces
