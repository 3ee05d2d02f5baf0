import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from textkit.slug import slugify


def test_lower():
    assert slugify('Hello World!') == 'hello-world'


def test_mixed():
    assert slugify('ABC def 12') == 'abc-def-12'


def test_plain():
    assert slugify('a b') == 'a-b'
