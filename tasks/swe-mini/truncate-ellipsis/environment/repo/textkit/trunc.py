def truncate(s, n):
    """s if it has at most n characters, else its first characters plus '...', n characters in all."""
    if len(s) <= n:
        return s
    return s[:n] + "..."
