import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')
from shop.cart import cart_total
from shop.pricing import apply_discount


def test_discount_once():
    assert cart_total([(10, 2), (5, 1)], discount_pct=10) == 22.5


def test_single():
    assert cart_total([(100, 1)], discount_pct=50) == 50


def test_no_discount():
    assert cart_total([(10, 2), (5, 1)]) == 25


def test_pricing():
    assert apply_discount(200, 25) == 150
