#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
set -e
cd "$R/app"
cd photos
for f in *; do
  l="$(echo "$f" | tr "[:upper:]" "[:lower:]")"
  [ "$f" = "$l" ] || mv "$f" "$l"
done
