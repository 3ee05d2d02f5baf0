from games.fizzbuzz import fizzbuzz


def test_3():
    assert fizzbuzz(3) == 'Fizz'
