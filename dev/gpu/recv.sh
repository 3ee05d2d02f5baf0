#!/usr/bin/env bash
# On the device: keep the carried piece outside the repo copy (a carried path that a later call does
# not name is deleted there).  bash dev/gpu/recv.sh part_NN
set -eu
mkdir -p /tmp/chunks
cp ".gpu/pieces/$1" /tmp/chunks/
echo "have $(ls /tmp/chunks | wc -l) pieces, $(du -sh /tmp/chunks | cut -f1)"
