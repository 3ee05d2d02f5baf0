from bank.account import Account


def test_withdraw_all():
    a = Account(10)
    a.withdraw(10)
    assert a.balance == 0
