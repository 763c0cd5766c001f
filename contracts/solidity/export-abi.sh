#!/usr/bin/env bash
# Builds the contracts and writes abi/<Name>.abi (ABI JSON array) and abi/<Name>.bin (creation bytecode, no newline:
# hex without 0x) for the Java side's web3j wrappers. The outputs are committed: rerun after a change.
set -euo pipefail
cd "$(dirname "$0")"
forge="${FEDCHAIN_CACHE:-$HOME/.cache/fedchain}/foundry/bin/forge"
"$forge" build -q
mkdir -p abi
for name in ContributionRegistry VNXToken; do
  node -e '
const fs = require("fs");
const a = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
fs.writeFileSync(process.argv[2] + ".abi", JSON.stringify(a.abi) + "\n");
fs.writeFileSync(process.argv[2] + ".bin", a.bytecode.object.replace(/^0x/, ""));
' "out/$name.sol/$name.json" "abi/$name"
done
