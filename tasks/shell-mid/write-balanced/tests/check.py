import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')

from brackets import is_balanced

for s in ("", "()", "([]{})", "f(a[1], {b: 2})", "no brackets"):
    assert is_balanced(s), s
for s in ("(", ")(", "([)]", "{[}", "(()"):
    assert not is_balanced(s), s
