#!/bin/bash
set -e
cd /app
rm junk.tmp
