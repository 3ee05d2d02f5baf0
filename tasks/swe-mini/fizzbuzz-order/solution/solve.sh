#!/bin/bash
set -e
cat > /app/games/fizzbuzz.py <<'SWERL_EOF'
def fizzbuzz(n):
    if n % 15 == 0:
        return "FizzBuzz"
    if n % 3 == 0:
        return "Fizz"
    if n % 5 == 0:
        return "Buzz"
    return str(n)
SWERL_EOF
