#!/bin/bash
# Copy every .txt file from docs/ into backup/.
mkdir -p backup
for f in doc/*.txt; do
  cp "$f" backup/
done
