from inventory.report import total_weight
from inventory.units import to_grams


def test_grams():
    assert total_weight([(2, 'g'), (3, 'g')]) == 5
