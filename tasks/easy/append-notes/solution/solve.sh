#!/bin/bash
set -e
cd /app
echo 'second' >> notes.txt
