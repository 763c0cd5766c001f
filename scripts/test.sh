#!/usr/bin/env bash
# Runs every test on a fresh machine: installs what the tests need (scripts/setup.sh), then mvn verify.
# The ledger ITs start their own anvil nodes and Fabric networks (scripts/fabric.sh) and stop them.
set -euo pipefail
cd "$(dirname "$0")/.."
export FEDCHAIN_CACHE="${FEDCHAIN_CACHE:-$HOME/.cache/fedchain}"
# Fabric's source beside the checkout (where this workplace keeps it), unless told otherwise
shared_fabric="$(cd .. && pwd)/shared/fabric/fabric-3.1.5-src.tar.xz"
if [ -z "${FEDCHAIN_FABRIC_SOURCE:-}" ] && [ -f "$shared_fabric" ]; then
  export FEDCHAIN_FABRIC_SOURCE="$shared_fabric"
fi
scripts/setup.sh test
# the examples' data (their quick modes run in mvn verify)
for example in examples/*/setup.sh; do
  scripts/setup.sh example "$(basename "$(dirname "$example")")"
done
# the contracts' own tests (unit, fuzz, invariants, the shared rule vectors), offline
(cd contracts/solidity && PATH="$FEDCHAIN_CACHE/foundry/bin:$PATH" forge test)
# static analysis of the contracts: any high-severity finding fails the run
(cd contracts/solidity && PATH="$FEDCHAIN_CACHE/foundry/bin:$PATH" \
  "$FEDCHAIN_CACHE/foundry/slither/bin/slither" . --filter-paths "node_modules|openzeppelin|test/|script/" --fail-high)
status=0
mvn -B -ntp verify -Dfedchain.cache="$FEDCHAIN_CACHE" "$@" || status=$?
# the tests that ran against real Fabric peers, counted from the reports
fabric_reports=$(ls ledger/fabric/target/failsafe-reports/TEST-*.xml client/target/failsafe-reports/TEST-*Fabric*.xml \
  client/target/failsafe-reports/TEST-*ThreeLedgers*.xml 2>/dev/null || true)
# attr FILE NAME: an attribute of the report's <testsuite> element
attr() { grep -o -m1 '<testsuite [^>]*' "$1" | grep -o " $2=\"[^\"]*\"" | cut -d'"' -f2; }
if [ -n "$fabric_reports" ]; then
  total=0 failed=0
  for f in $fabric_reports; do
    n=$(attr "$f" tests) bad=$(( $(attr "$f" failures) + $(attr "$f" errors) ))
    printf '  %-50s %4d tests, %d failed\n' "$(attr "$f" name)" "$n" "$bad"
    total=$((total + n)) failed=$((failed + bad))
  done
  echo "test: $total tests ran against real Fabric networks ($failed failed)"
else
  echo "test: no Fabric test reports (the build stopped before them)"
fi
exit $status
