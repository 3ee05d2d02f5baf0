import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from textkit.count import word_count


def test_case():
    assert word_count('The the') == {'the': 2}


def test_simple():
    assert word_count('a b a') == {'a': 2, 'b': 1}
