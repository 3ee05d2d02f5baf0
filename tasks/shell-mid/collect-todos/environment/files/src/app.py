def main():
    # TODO: handle errors
    x = 1
    y = x + 1
    # TODO: log the result
    return y
