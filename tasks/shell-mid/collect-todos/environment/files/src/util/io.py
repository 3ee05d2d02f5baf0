def read(p):
    f = open(p)
    # TODO: close it
    return f.read()
