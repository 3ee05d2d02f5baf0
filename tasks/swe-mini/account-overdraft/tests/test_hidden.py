import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from bank.account import Account


def test_overdraft():
    import pytest
    a = Account(10)
    with pytest.raises(ValueError):
        a.withdraw(20)
    assert a.balance == 10


def test_withdraw_all():
    a = Account(10)
    a.withdraw(10)
    assert a.balance == 0


def test_deposit():
    a = Account()
    a.deposit(5)
    assert a.balance == 5
