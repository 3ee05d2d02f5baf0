#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
cat > require.sh <<'SWERL_EOF'
#!/bin/bash
# Usage: require.sh FILE
if [ -e "$1" ]; then
  exit 0
fi
echo "missing: $1" >&2
exit 1
SWERL_EOF
