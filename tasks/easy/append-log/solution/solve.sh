#!/bin/bash
set -e
cd /app
echo 'end' >> log.txt
