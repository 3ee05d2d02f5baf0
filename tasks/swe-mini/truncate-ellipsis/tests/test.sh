#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
# FAIL_TO_PASS and PASS_TO_PASS must all pass.
cd "$R/app"
ok=0
if python3 -m pytest -q -p no:cacheprovider "$R/tests/test_hidden.py::test_long" "$R/tests/test_hidden.py::test_len" "$R/tests/test_hidden.py::test_short" "$R/tests/test_hidden.py::test_exact"; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
