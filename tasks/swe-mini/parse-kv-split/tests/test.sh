#!/bin/bash
# FAIL_TO_PASS and PASS_TO_PASS must all pass.
cd /app
ok=0
if python3 -m pytest -q -p no:cacheprovider /tests/test_hidden.py::test_eq_in_value /tests/test_hidden.py::test_simple; then ok=1; fi

mkdir -p /logs/verifier
if [ "$ok" = 1 ]; then echo 1 > /logs/verifier/reward.txt; else echo 0 > /logs/verifier/reward.txt; fi
