import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from games.fizzbuzz import fizzbuzz


def test_15():
    assert fizzbuzz(15) == 'FizzBuzz'


def test_30():
    assert fizzbuzz(30) == 'FizzBuzz'


def test_3():
    assert fizzbuzz(3) == 'Fizz'


def test_5():
    assert fizzbuzz(5) == 'Buzz'


def test_7():
    assert fizzbuzz(7) == '7'
