import sys


def summarize(path):
    total = 0
    count = 0
    with open(path) as f:
        for line in f:
            total += int(line)
          count += 1
    return total, count


total, count = summarize(sys.argv[1])
print(f"{count} numbers, total {total}")
