def gcd(a, b):
    """Greatest common divisor (non-negative), Euclid's algorithm."""
    while b:
        a, b = b, a % b
    return b
