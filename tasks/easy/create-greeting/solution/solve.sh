#!/bin/bash
set -e
cd /app
echo 'hi there' > greeting.txt
