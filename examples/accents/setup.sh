#!/usr/bin/env bash
# Installs the accents example's data once: each of sentences.txt spoken by espeak-ng in seven
# English accents, at two speeds and two pitches, as 16-bit WAV files in
# $FEDCHAIN_CACHE/examples/accents/{train,test}/ACCENT/; the last 8 sentences are the test part.
# Called by `scripts/setup.sh example accents`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${FEDCHAIN_CACHE:-$HOME/.cache/fedchain}/examples/accents"
[ -f "$out/.done" ] && exit 0
APT_OPTIONS=--no-install-recommends apt_install espeak-ng
rm -rf "$out"
n=0
while IFS= read -r sentence; do
  n=$((n + 1))
  part=train; [ "$n" -gt 32 ] && part=test
  for voice in en-us en-gb en-gb-scotland en-gb-x-gbclan en-gb-x-gbcwmd en-gb-x-rp en-029; do
    mkdir -p "$out/$part/$voice"
    for speed in 140 170; do
      for pitch in 40 60; do
        espeak-ng -v "$voice" -s "$speed" -p "$pitch" \
          -w "$out/$part/$voice/$(printf 's%02d-%d-%d' "$n" "$speed" "$pitch").wav" "$sentence"
      done
    done
  done
done < "$here/sentences.txt"
touch "$out/.done"
say "accents: $(find "$out" -name '*.wav' | wc -l) recordings in $out"
