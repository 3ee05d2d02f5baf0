#!/bin/bash
R="${SWERL_SANDBOX_ROOT:-}"
# FAIL_TO_PASS and PASS_TO_PASS must all pass.
cd "$R/app"
ok=0
if python3 -m pytest -q -p no:cacheprovider "$R/tests/test_hidden.py::test_double_space" "$R/tests/test_hidden.py::test_trailing" "$R/tests/test_hidden.py::test_simple"; then ok=1; fi

mkdir -p "$R/logs/verifier"
if [ "$ok" = 1 ]; then echo 1 > "$R/logs/verifier/reward.txt"; else echo 0 > "$R/logs/verifier/reward.txt"; fi
