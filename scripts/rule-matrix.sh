#!/usr/bin/env bash
# Joins what each ledger backend did with the shared rule vectors (target/rule-outcomes.tsv, written
# by the contract tests of ledger/embedded, ledger/ethereum and ledger/fabric) into one Markdown
# table of the refused calls: the tamper matrix of docs/security.md. Run after `mvn verify`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python3 - "$root" <<'PY'
import json, pathlib, sys
root = pathlib.Path(sys.argv[1])
vectors = json.loads((root / "ledger/api/src/test/resources/org/fedchain/ledger/ledger-rules.json").read_text())["vectors"]
backends = {"embedded": "ledger/embedded", "anvil": "ledger/ethereum", "Fabric": "ledger/fabric"}
got = {}
for name, module in backends.items():
    f = root / module / "target/rule-outcomes.tsv"
    if not f.exists():
        sys.exit(f"rule-matrix: {f} is missing: run the {module} contract test first")
    got[name] = dict(line.split("\t", 1) for line in f.read_text().splitlines())
print("| refused call | rule | expected | " + " | ".join(backends) + " |")
print("|---|---|---|" + "---|" * len(backends))
n = 0
for v in vectors:
    if v["expect"] == "ok":
        continue
    n += 1
    cells = []
    for b in backends:
        g = got[b].get(v["name"], "not run")
        cells.append(g.replace(" unchanged", ", state unchanged") if g.split(" ")[0] == v["expect"] else f"**{g}**")
    print(f"| `{v['name']}` | {v['rule']} | {v['expect']} | " + " | ".join(cells) + " |")
print(f"\n{n} refused calls on {len(backends)} backends.")
PY
