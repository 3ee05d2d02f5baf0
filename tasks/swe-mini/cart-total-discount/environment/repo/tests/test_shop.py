from shop.cart import cart_total
from shop.pricing import apply_discount


def test_no_discount():
    assert cart_total([(10, 2), (5, 1)]) == 25
