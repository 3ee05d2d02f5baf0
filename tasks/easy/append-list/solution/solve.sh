#!/bin/bash
set -e
cd /app
echo 'banana' >> list.txt
