#!/bin/bash
cd /app
ok=0
if [ -f pet.txt ] && [ "$(tr -d "[:space:]" < pet.txt)" = "cat" ]; then ok=1; fi

mkdir -p /logs/verifier
if [ "$ok" = 1 ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi
