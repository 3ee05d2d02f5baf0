#!/bin/bash
set -e
cd /app
ls / > listing.txt
