#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what the tests need (scripts/setup.sh), then mvn verify.
set -euo pipefail
cd "$(dirname "$0")/.."
export FEDCHAIN_CACHE="${FEDCHAIN_CACHE:-$HOME/.cache/fedchain}"
scripts/setup.sh test
# the contracts' own tests (unit, fuzz, invariants, the shared rule vectors), offline
(cd contracts/solidity && PATH="$FEDCHAIN_CACHE/foundry/bin:$PATH" forge test)
exec mvn -B -ntp verify -Dfedchain.cache="$FEDCHAIN_CACHE" "$@"
