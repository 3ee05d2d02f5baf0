import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from numkit.roman import to_roman


def test_4():
    assert to_roman(4) == 'IV'


def test_1994():
    assert to_roman(1994) == 'MCMXCIV'


def test_3():
    assert to_roman(3) == 'III'


def test_2000():
    assert to_roman(2000) == 'MM'
