import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')

from duration import parse_duration

assert parse_duration("1h30m") == 5400
assert parse_duration("45s") == 45 and parse_duration("2h") == 7200 and parse_duration("1h5s") == 3605
assert parse_duration("10m") == 600
for bad in ("", "5x", "m5", "1m1h"):
    try:
        parse_duration(bad)
    except ValueError:
        continue
    raise AssertionError(f"no ValueError for {bad!r}")
