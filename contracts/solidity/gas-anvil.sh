#!/usr/bin/env bash
# Measures gas on a real anvil (receipts include the 21k base and calldata): starts anvil on a free
# port, runs script/GasOnAnvil.s.sol with broadcast, prints gasUsed per transaction, stops anvil.
set -euo pipefail
cd "$(dirname "$0")"
bin="${FEDCHAIN_CACHE:-$HOME/.cache/fedchain}/foundry/bin"
port="${ANVIL_PORT:-18545}"
"$bin/anvil" --port "$port" --hardfork cancun --silent &
anvil_pid=$!
trap 'kill "$anvil_pid"' EXIT
for _ in $(seq 50); do "$bin/cast" block-number --rpc-url "http://127.0.0.1:$port" >/dev/null 2>&1 && break; sleep 0.1; done
# anvil's first default account (a public test key) sends the transactions
"$bin/forge" script script/GasOnAnvil.s.sol --rpc-url "http://127.0.0.1:$port" --broadcast --slow -q \
  --private-key 0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80 >/dev/null
node -e '
const r = require(process.argv[1]);
for (let i = 0; i < r.transactions.length; i++) {
  const t = r.transactions[i], g = parseInt(r.receipts[i].gasUsed, 16);
  console.log((t.function || t.transactionType + " " + (t.contractName || "")).padEnd(40), g);
}' "$PWD/broadcast/GasOnAnvil.s.sol/31337/run-latest.json"
