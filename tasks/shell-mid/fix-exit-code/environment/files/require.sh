#!/bin/bash
# Usage: require.sh FILE
if [ -e "$1" ]; then
  exit 0
fi
echo "missing: $1" >&2
exit 0
