#!/usr/bin/env bash
# Installs the gas-levels example's data once: R and spacetime from Debian, then its PM10 series as a
# CSV in $FEDCHAIN_CACHE/examples/gas-levels/pm10.csv. Called by `scripts/setup.sh example gas-levels`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${FEDCHAIN_CACHE:-$HOME/.cache/fedchain}/examples/gas-levels"
[ -s "$out/pm10.csv" ] && exit 0
APT_OPTIONS=--no-install-recommends apt_install r-base-core r-cran-spacetime
mkdir -p "$out"
Rscript "$here/export.R" "$out/pm10.csv.part"
mv "$out/pm10.csv.part" "$out/pm10.csv"
say "gas-levels: $(($(wc -l < "$out/pm10.csv") - 1)) daily PM10 values in $out/pm10.csv"
