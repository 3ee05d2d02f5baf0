FACTORS = {"g": 1, "kg": 1000, "lb": 453.59237}


def to_grams(amount, unit):
    return amount * FACTORS[unit]
