def is_palindrome(s):
    """True if s reads the same backwards, ignoring case and spaces."""
    t = s.replace(" ", "")
    return t == t[::-1]
