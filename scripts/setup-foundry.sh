#!/usr/bin/env bash
# Installs the Ethereum toolchain of contracts/solidity, idempotently and without touching the clone's
# tracked files; a second run prints nothing. Everything comes from npm (and PyPI for slither), into
#   ${FEDCHAIN_CACHE:-~/.cache/fedchain}/foundry
# and exposes stable paths:
#   $CACHE/foundry/bin/{anvil,forge,cast}     symlinks to the npm-shipped binaries
#   contracts/solidity/lib/openzeppelin       symlink (gitignored) to the cached @openzeppelin/contracts
#   contracts/solidity/tools/solc             committed wrapper that runs the cached npm solc (solcjs)
#   $CACHE/foundry/slither/bin/slither        only with `setup-foundry.sh slither`
# After this, nothing downloads at build or test time (foundry.toml: offline, auto_detect_solc=false).
set -euo pipefail

cache="${FEDCHAIN_CACHE:-$HOME/.cache/fedchain}/foundry"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
sol="$here/contracts/solidity"

FOUNDRY_VERSION=1.7.1
SOLC_VERSION=0.8.30
OZ_VERSION=5.7.0
SLITHER_VERSION=0.11.6

say() { printf 'setup-foundry: %s\n' "$*" >&2; }

installed() { # name version -> true when node_modules holds exactly that version
  [ "$(node -p "try{require('$cache/node_modules/$1/package.json').version}catch(e){''}" 2>/dev/null)" = "$2" ]
}

command -v node >/dev/null && command -v npm >/dev/null || { say "needs node and npm (Debian: nodejs npm)"; exit 1; }
mkdir -p "$cache/bin"
[ -f "$cache/package.json" ] || echo '{"private":true}' > "$cache/package.json"

want=()
for p in "@foundry-rs/anvil-linux-amd64@$FOUNDRY_VERSION" "@foundry-rs/forge-linux-amd64@$FOUNDRY_VERSION" \
         "@foundry-rs/cast-linux-amd64@$FOUNDRY_VERSION" "solc@$SOLC_VERSION" "@openzeppelin/contracts@$OZ_VERSION"; do
  installed "${p%@*}" "${p##*@}" || want+=("$p")
done
if [ ${#want[@]} -gt 0 ]; then
  say "installing ${want[*]} into $cache"
  npm install --prefix "$cache" --no-audit --no-fund --silent --save-exact "${want[@]}" >&2
fi

for tool in anvil forge cast; do
  bin="$(find "$cache/node_modules/@foundry-rs/$tool-linux-amd64" -type f -name "$tool" | head -n1)"
  [ -n "$bin" ] || { say "no $tool binary in the npm package"; exit 1; }
  [ -x "$bin" ] || chmod +x "$bin"
  [ "$(readlink "$cache/bin/$tool" 2>/dev/null)" = "$bin" ] || ln -sfn "$bin" "$cache/bin/$tool"
done

# forge resolves `@openzeppelin/contracts/` through lib/openzeppelin (see foundry.toml remappings)
mkdir -p "$sol/lib"
oz="$cache/node_modules/@openzeppelin/contracts"
[ "$(readlink "$sol/lib/openzeppelin" 2>/dev/null)" = "$oz" ] || ln -sfn "$oz" "$sol/lib/openzeppelin"
# tools/solc finds the npm solc through this link
[ "$(readlink "$sol/lib/solc-js" 2>/dev/null)" = "$cache/node_modules/solc" ] \
  || ln -sfn "$cache/node_modules/solc" "$sol/lib/solc-js"

if [ "${1:-}" = slither ]; then
  venv="$cache/slither"
  if [ "$("$venv/bin/slither" --version 2>/dev/null)" != "$SLITHER_VERSION" ]; then
    say "installing slither-analyzer $SLITHER_VERSION into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --cache-dir "${FEDCHAIN_CACHE:-$HOME/.cache/fedchain}/pip" \
      "slither-analyzer==$SLITHER_VERSION" >&2
  fi
fi
