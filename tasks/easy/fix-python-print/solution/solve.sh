#!/bin/bash
set -e
cd /app
sed -i 's/pritn/print/' hi.py
