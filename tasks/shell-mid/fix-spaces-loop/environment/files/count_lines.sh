#!/bin/bash
# Usage: count_lines.sh DIR
for f in $(ls "$1"/*.txt); do
  echo "$(wc -l < $f) $(basename $f)"
done
