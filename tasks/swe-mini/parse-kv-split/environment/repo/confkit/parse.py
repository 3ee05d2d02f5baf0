def parse_kv(line):
    """'key=value' -> (key, value); the value may itself contain '='."""
    parts = line.split("=")
    return parts[0].strip(), parts[1].strip()
