#!/bin/bash
set -e
cd /app
echo world > word.txt
