from datetime import date


def days_between(a, b):
    """Number of days between two ISO dates ('2024-01-31'), whichever comes first."""
    return (date.fromisoformat(a) - date.fromisoformat(b)).days
