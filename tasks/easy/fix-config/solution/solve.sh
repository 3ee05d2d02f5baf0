#!/bin/bash
set -e
cd /app
sed -i 's/flase/false/' settings.conf
