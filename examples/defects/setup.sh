#!/usr/bin/env bash
# Installs the defects example's data once: the elpv-dataset wheel from PyPI (2,624 solar cells,
# CC BY-NC-SA 4.0; never committed), arranged as one image folder per factory in
# $FEDCHAIN_CACHE/examples/defects. Called by `scripts/setup.sh example defects`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${FEDCHAIN_CACHE:-$HOME/.cache/fedchain}/examples/defects"
[ -f "$out/.done" ] && exit 0
python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
mkdir -p "$out/download"
python3 -m pip download --quiet --no-deps --disable-pip-version-check \
  elpv-dataset==1.0.0.post1 -d "$out/download" >&2
python3 "$here/arrange.py" "$out/download/elpv_dataset-1.0.0.post1-py3-none-any.whl" "$out" >&2
touch "$out/.done"
say "defects: solar cells arranged in $out/{mono,poly}"
