"""Prints the side-by-side table of `scripts/bench.sh flower` from the BENCH lines of both runs.

    python table.py FEDCHAIN_LOG FLOWER_LOG
"""

import json
import sys

rows = []
for path in sys.argv[1:]:
    with open(path) as f:
        rows += [json.loads(line[len("BENCH "):]) for line in f if line.startswith("BENCH ")]
if not rows:
    sys.exit("table.py: no BENCH lines in " + ", ".join(sys.argv[1:]))

partitions = list(dict.fromkeys(r["partition"] for r in rows))
header = ["partition", "system", "strategy", "rounds", "local epochs", "final test acc", "best acc", "wall s"]
table = [header]
for p in partitions:
    for r in (r for r in rows if r["partition"] == p):
        table.append([p, r["system"], r.get("strategy", "fedavg"), str(r["rounds"]), str(r["local_epochs"]),
                      f"{r['final_acc']:.4f}", f"{r['best_acc']:.4f}", f"{r['wall_s']:.1f}"])
widths = [max(len(row[i]) for row in table) for i in range(len(header))]
rule = "-+-".join("-" * w for w in widths)
print(rule)
for i, row in enumerate(table):
    print(" | ".join(c.ljust(w) for c, w in zip(row, widths)))
    if i == 0:
        print(rule)
print(rule)

for p in partitions:
    by = {r["system"]: r for r in rows if r["partition"] == p}
    if "FedChain" in by and "Flower" in by:
        a, b = by["FedChain"]["acc"], by["Flower"]["acc"]
        same = sum(1 for x, y in zip(a, b) if round(x, 4) == round(y, 4))
        diff = max(abs(x - y) for x, y in zip(a, b))
        print(f"{p}: test accuracy equal (4 decimals) after {same} of {len(a)} rounds,"
              f" max |FedChain - Flower| {diff:.4f}")
for system in dict.fromkeys(r["system"] for r in rows):
    v = next(r.get("versions", {}) for r in rows if r["system"] == system)
    print(f"{system}: " + ", ".join(f"{k} {v[k]}" for k in sorted(v)))
