#!/bin/bash
set -e
cd /app
echo 'cat' > pet.txt
