#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
cat > count_lines.sh <<'SWERL_EOF'
#!/bin/bash
# Usage: count_lines.sh DIR
for f in "$1"/*.txt; do
  echo "$(wc -l < "$f") $(basename "$f")"
done
SWERL_EOF
