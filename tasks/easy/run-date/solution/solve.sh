#!/bin/bash
set -e
cd /app
date > now.txt
