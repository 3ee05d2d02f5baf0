def to_fahrenheit(c):
    return c * 5 / 9 + 32


def to_celsius(f):
    return (f - 32) * 5 / 9
