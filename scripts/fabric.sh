#!/usr/bin/env bash
# A one-peer Hyperledger Fabric network as plain processes on 127.0.0.1 (no Docker), and the
# FedChain chaincode running as a service next to it.
#
#   scripts/fabric.sh install                    build peer, orderer, configtxgen, cryptogen, osnadmin
#   scripts/fabric.sh up                         crypto, channel 'fedchain', orderer + peer, join
#   scripts/fabric.sh deploy <label> <host:port> package (ccaas), install, approve, commit 'fedchain'
#   scripts/fabric.sh chaincode-start            start the Java chaincode for the deployed package
#   scripts/fabric.sh chaincode-stop
#   scripts/fabric.sh status
#   scripts/fabric.sh env                        shell exports for the peer CLI as Org1 admin
#   scripts/fabric.sh down                       stop everything started here, delete the run folder
#
# Binaries are cached in ${FEDCHAIN_CACHE:-~/.cache/fedchain}/fabric/<version>/bin; the network
# lives in ${FEDCHAIN_FABRIC_HOME:-~/.cache/fedchain/fabric-net} (data, logs, pid files).
set -euo pipefail

FABRIC_VERSION=3.1.5
FABRIC_COMMIT=86c1172
# Fabric 3's module path has no /v3, so the tag cannot be used with 'go install': this
# pseudo-version is v3.1.5 (commit 86c1172).
FABRIC_PSEUDO=v1.4.0-rc1.0.20260618074816-86c1172bec37

CHANNEL=fedchain
CC_NAME=fedchain
ORG_MSP=Org1MSP
ORDERER_MSP=OrdererMSP

# ports, all on 127.0.0.1 (none collide; the peer's default operations port would hit the
# orderer's admin port)
ORDERER_PORT=${FEDCHAIN_ORDERER_PORT:-6050}
ORDERER_ADMIN_PORT=${FEDCHAIN_ORDERER_ADMIN_PORT:-9443}
ORDERER_OPS_PORT=${FEDCHAIN_ORDERER_OPS_PORT:-8443}
PEER_PORT=${FEDCHAIN_PEER_PORT:-7051}
PEER_CC_PORT=${FEDCHAIN_PEER_CC_PORT:-7052}
PEER_OPS_PORT=${FEDCHAIN_PEER_OPS_PORT:-8446}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cache="${FEDCHAIN_CACHE:-$HOME/.cache/fedchain}"
fabric_dir="$cache/fabric/$FABRIC_VERSION"
bin="$fabric_dir/bin"
net="${FEDCHAIN_FABRIC_HOME:-$cache/fabric-net}"

say() { printf 'fabric: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# ---------------------------------------------------------------- install
BINARIES=(peer orderer configtxgen cryptogen osnadmin)

installed() {
  local b
  for b in "${BINARIES[@]}"; do [ -x "$bin/$b" ] || return 1; done
  [ -f "$fabric_dir/config/core.yaml" ] && [ -f "$fabric_dir/config/orderer.yaml" ] \
    && [ -f "$fabric_dir/config/configtx.yaml" ]
}

# Two sources, same commit: the Go module proxy (pseudo-version), or a local clone of the Fabric
# repository named by FEDCHAIN_FABRIC_SRC (a work tree or a bare git dir holding commit
# $FABRIC_COMMIT; its vendor/ folder makes the build need no network). Some module proxies refuse
# github.com/hyperledger/*; then only the second way works.
FABRIC_FULL_COMMIT=86c1172bec37e6590c6b1ae6f847833df48d65fc

build_from_proxy() {
  local m=github.com/hyperledger/fabric/common/metadata pkgs=() b dir
  for b in "${BINARIES[@]}"; do pkgs+=("github.com/hyperledger/fabric/cmd/$b@$FABRIC_PSEUDO"); done
  CGO_ENABLED=0 GOBIN="$bin" GOFLAGS=-buildvcs=false nice go install \
    -ldflags "-X $m.Version=$FABRIC_VERSION -X $m.CommitSHA=$FABRIC_COMMIT" "${pkgs[@]}" || return 1
  dir="$(go mod download -json "github.com/hyperledger/fabric@$FABRIC_PSEUDO" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [ -d "$dir/sampleconfig" ] || die "no sampleconfig in the Fabric module ($dir)"
  copy_config "$dir/sampleconfig"
}

build_from_source() {
  local src_git="$1" src="$fabric_dir/src" m=github.com/hyperledger/fabric/common/metadata b
  local git_dir
  if [ -d "$src_git/.git" ]; then git_dir="$src_git/.git"; else git_dir="$src_git"; fi
  git --git-dir="$git_dir" cat-file -e "$FABRIC_FULL_COMMIT^{commit}" 2>/dev/null \
    || die "$src_git has no commit $FABRIC_FULL_COMMIT (Fabric v$FABRIC_VERSION): fetch the tag v$FABRIC_VERSION into it"
  rm -rf "$src" && mkdir -p "$src"
  git --git-dir="$git_dir" archive "$FABRIC_FULL_COMMIT" | tar -x -C "$src"
  [ -d "$src/vendor" ] || die "the Fabric source at $FABRIC_FULL_COMMIT has no vendor/ folder"
  local targets=()
  for b in "${BINARIES[@]}"; do targets+=("./cmd/$b"); done
  (cd "$src" && CGO_ENABLED=0 GOFLAGS="-buildvcs=false -mod=vendor" nice go build -trimpath \
    -ldflags "-X $m.Version=$FABRIC_VERSION -X $m.CommitSHA=$FABRIC_COMMIT" -o "$bin/" "${targets[@]}")
  copy_config "$src/sampleconfig"
  rm -rf "$src"
}

copy_config() {
  rm -rf "$fabric_dir/config"
  cp -r "$1" "$fabric_dir/config"
  chmod -R u+w "$fabric_dir/config"
}

cmd_install() {
  if installed; then
    say "Fabric $FABRIC_VERSION already in $fabric_dir"
    return 0
  fi
  command -v go >/dev/null || die "'go' is not on the PATH: install Go >= 1.26.4 to build Fabric"
  mkdir -p "$bin"
  if [ -n "${FEDCHAIN_FABRIC_SRC:-}" ]; then
    say "building ${BINARIES[*]} (Fabric $FABRIC_VERSION) from $FEDCHAIN_FABRIC_SRC into $bin; takes minutes once"
    build_from_source "$FEDCHAIN_FABRIC_SRC"
  else
    say "building ${BINARIES[*]} (Fabric $FABRIC_VERSION) from the Go module proxy into $bin; takes minutes once"
    build_from_proxy || die "the Go module proxy did not give github.com/hyperledger/fabric@$FABRIC_PSEUDO; set FEDCHAIN_FABRIC_SRC to a clone of the Fabric repository that has commit $FABRIC_FULL_COMMIT (tag v$FABRIC_VERSION) and run install again"
  fi
  installed || die "the build finished but $bin lacks some of: ${BINARIES[*]}"
  "$bin/peer" version | sed -n '1,3p' >&2
}

main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    install) cmd_install "$@" ;;
    *) die "unknown command '$cmd'" ;;
  esac
}
main "$@"
