#!/bin/bash
set -e
cd /app
mv old.txt new.txt
