#!/bin/bash
set -e
cd /app
echo '42' > number.txt
