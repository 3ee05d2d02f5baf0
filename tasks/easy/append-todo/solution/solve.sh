#!/bin/bash
set -e
cd /app
echo 'code' >> todo.txt
