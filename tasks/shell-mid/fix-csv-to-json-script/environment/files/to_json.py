import csv
import sys

rows = []
with open(sys.argv[1], newline="") as f:
    for row in csv.DictReader(f):
        rows.append({"name": row["name"], "score": row["score"]})
print(json.dumps(rows))
