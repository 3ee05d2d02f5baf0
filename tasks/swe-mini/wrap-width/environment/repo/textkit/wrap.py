def wrap(text, width):
    """Greedy word wrap: lines of at most `width` characters (a longer word gets a line of its own)."""
    lines, cur = [], ""
    for word in text.split():
        if cur and len(cur) + 1 + len(word) > width + 1:
            lines.append(cur)
            cur = word
        else:
            cur = f"{cur} {word}" if cur else word
    if cur:
        lines.append(cur)
    return lines
