#!/bin/bash
set -e
cd /app
cp config.ini backup.ini
