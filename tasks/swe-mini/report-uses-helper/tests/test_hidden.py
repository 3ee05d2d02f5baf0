import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from inventory.report import total_weight
from inventory.units import to_grams


def test_mixed():
    assert total_weight([(1, 'kg'), (500, 'g')]) == 1500


def test_lb():
    assert round(total_weight([(1, 'lb')])) == 454


def test_grams():
    assert total_weight([(2, 'g'), (3, 'g')]) == 5


def test_units():
    assert to_grams(2, 'kg') == 2000
