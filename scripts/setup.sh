#!/usr/bin/env bash
# Installs what FedChain needs on a fresh machine, idempotently; a second run does nothing.
#   scripts/setup.sh runtime   data and tools the demo needs
#   scripts/setup.sh test      runtime + the tools the test suite checks us against
#   scripts/setup.sh example NAME   the data of examples/NAME (its setup.sh), once
# Long downloads are cached outside the clone in $FEDCHAIN_CACHE (default ~/.cache/fedchain).
set -euo pipefail

what="${1:-test}"
cache="${FEDCHAIN_CACHE:-$HOME/.cache/fedchain}"
mkdir -p "$cache"

say() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root to run: $*"; exit 1
  fi
}

apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  if [ $apt_updated = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  # shellcheck disable=SC2086 # APT_OPTIONS is a list of flags
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${APT_OPTIONS:-} \
    "${missing[@]}" >/dev/null
}

if [ "$what" = example ]; then
  name="${2:?usage: scripts/setup.sh example NAME}"
  script="$(dirname "${BASH_SOURCE[0]}")/../examples/$name/setup.sh"
  [ -f "$script" ] || { say "no example '$name' (examples/*/setup.sh)"; exit 1; }
  export FEDCHAIN_CACHE="$cache"
  export -f say as_root apt_install
  export apt_updated
  exec bash "$script"
fi

# --- runtime: Java and Maven build the CLI, Fashion-MNIST is the demo's data ---
for tool in java mvn sha256sum; do
  command -v "$tool" >/dev/null || { say "missing $tool: install a JDK 17+ and Maven 3.8+"; exit 1; }
done
apt_install dataset-fashion-mnist

[ "$what" = runtime ] && exit 0

# --- test: independent implementations we check our formats against ---
command -v node >/dev/null || apt_install nodejs npm
# the audit page is rendered in a real browser
command -v chromium >/dev/null || APT_OPTIONS=--no-install-recommends apt_install chromium
ETHERS_VERSION=6.17.0
node_dir="$cache/node"
if [ "$(node -p "try{require('$node_dir/node_modules/ethers/package.json').version}catch(e){''}" 2>/dev/null)" != "$ETHERS_VERSION" ]; then
  say "installing ethers $ETHERS_VERSION into $node_dir"
  mkdir -p "$node_dir"
  [ -f "$node_dir/package.json" ] || echo '{"private":true}' > "$node_dir/package.json"
  npm install --prefix "$node_dir" --no-audit --no-fund --silent "ethers@$ETHERS_VERSION" >&2
fi

# Ethereum: anvil, forge, cast, solc and OpenZeppelin from npm (contracts/solidity, ledger/ethereum)
"$(dirname "${BASH_SOURCE[0]}")/setup-foundry.sh"
"$(dirname "${BASH_SOURCE[0]}")/setup-foundry.sh" slither

# Hyperledger Fabric: peer, orderer and tools for the two-organisation network the ITs start
# (scripts/fabric.sh install: an installed Fabric 3.1.x, else $FEDCHAIN_FABRIC_SOURCE, else the
# Go module proxy); built once into the cache
"$(dirname "${BASH_SOURCE[0]}")/fabric.sh" install

# PyTorch reads our model files in TorchInteropIT; torch from PyPI brings CUDA wheels (GBs), so the
# venv and pip's cache live in the cache folder and are reused by every later run.
venv="$cache/torch-venv"
if ! "$venv/bin/python" -c "import torch, safetensors, numpy" >/dev/null 2>&1; then
  say "installing torch, safetensors and numpy into $venv (large, once)"
  python3 -m venv "$venv" || { apt_install python3-venv; python3 -m venv "$venv"; }
  "$venv/bin/pip" install -q --cache-dir "$cache/pip" torch==2.15.0 safetensors==0.8.0 numpy==2.4.6 >&2
fi
say "ready ($what)"
