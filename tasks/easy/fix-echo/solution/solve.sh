#!/bin/bash
set -e
cd /app
sed -i 's/ecoh/echo/' greet.sh
