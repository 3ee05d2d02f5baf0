#!/bin/bash
# Usage: greet.sh NAME
name="$2"
echo "Hello, $name!"
