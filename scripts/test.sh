#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what the tests need (scripts/setup.sh), then mvn verify.
set -euo pipefail
cd "$(dirname "$0")/.."
export FEDCHAIN_CACHE="${FEDCHAIN_CACHE:-$HOME/.cache/fedchain}"
scripts/setup.sh test
# the contracts' own tests (unit, fuzz, invariants, the shared rule vectors), offline
(cd contracts/solidity && PATH="$FEDCHAIN_CACHE/foundry/bin:$PATH" forge test)
# static analysis of the contracts: any high-severity finding fails the run
(cd contracts/solidity && PATH="$FEDCHAIN_CACHE/foundry/bin:$PATH" \
  "$FEDCHAIN_CACHE/foundry/slither/bin/slither" . --filter-paths "node_modules|openzeppelin|test/|script/" --fail-high)
exec mvn -B -ntp verify -Dfedchain.cache="$FEDCHAIN_CACHE" "$@"
