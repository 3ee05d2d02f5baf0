#!/bin/bash
set -e
cd /app
wc -l < words.txt > count.txt
