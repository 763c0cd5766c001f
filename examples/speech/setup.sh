#!/usr/bin/env bash
# Installs the speech example's data once: sktime's wheel from PyPI (for its JapaneseVowels
# recordings, BSD-3), converted to $FEDCHAIN_CACHE/examples/speech/vowels.npz.
# Called by `scripts/setup.sh example speech`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${FEDCHAIN_CACHE:-$HOME/.cache/fedchain}/examples/speech"
[ -s "$out/vowels.npz" ] && exit 0
python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
mkdir -p "$out/download"
python3 -m pip download --quiet --no-deps --disable-pip-version-check sktime==1.2.0 \
  -d "$out/download" >&2
python3 "$here/convert.py" "$out/download/sktime-1.2.0-py3-none-any.whl" "$out/vowels.npz.part" >&2
mv "$out/vowels.npz.part" "$out/vowels.npz"
say "speech: Japanese vowels of 9 speakers in $out/vowels.npz"
