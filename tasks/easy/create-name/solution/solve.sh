#!/bin/bash
set -e
cd /app
echo 'swerl' > name.txt
