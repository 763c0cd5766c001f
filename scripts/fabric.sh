#!/usr/bin/env bash
# A Hyperledger Fabric consortium as plain processes on 127.0.0.1 (no Docker): an orderer (Raft,
# TLS), two organisations with one peer each, channel 'fedchain', and the FedChain chaincode run as
# a service by each organisation, under an endorsement policy that needs both.
#
#   scripts/fabric.sh install        find or build peer, orderer, configtxgen, cryptogen, osnadmin:
#                                    $FABRIC_BIN or a 'peer' 3.1.x on the PATH, else the source
#                                    tarball $FEDCHAIN_FABRIC_SOURCE, else the Go module proxy
#   scripts/fabric.sh up             start everything, deploy the chaincode, print the ledger URIs
#   scripts/fabric.sh uris [NAME]    the fabric: ledger URI of each organisation's admin
#   scripts/fabric.sh define NAME..  more chaincode definitions on the same code: fresh ledgers
#   scripts/fabric.sh status         what runs (exit 1 unless all of it)
#   scripts/fabric.sh env [1|2]      shell exports for the peer CLI as that organisation's admin
#   scripts/fabric.sh down           stop everything started here, delete the run folder
#
# Binaries are cached in ${FEDCHAIN_CACHE:-~/.cache/fedchain}/fabric/<version>; the network lives
# in ${FEDCHAIN_FABRIC_HOME:-~/.cache/fedchain/fabric-net} (data, logs, pid files). Every port
# moves by FEDCHAIN_FABRIC_PORT_OFFSET (default 0), so a second network can run beside the first.
set -euo pipefail

FABRIC_VERSION=3.1.5
FABRIC_COMMIT=86c1172
# Fabric 3's module path has no /v3, so the tag cannot be used with 'go install': this
# pseudo-version is v3.1.5 (commit 86c1172).
FABRIC_PSEUDO=v1.4.0-rc1.0.20260618074816-86c1172bec37

CHANNEL=fedchain
CC_NAME=fedchain
CC_LABEL=fedchain
ORDERER_MSP=OrdererMSP
ENDORSEMENT="AND('Org1MSP.peer','Org2MSP.peer')"

# ports on 127.0.0.1 (the peer's default operations port would hit the orderer's admin port)
off=${FEDCHAIN_FABRIC_PORT_OFFSET:-0}
[[ "$off" =~ ^[0-9]+$ ]] || { echo "fabric: FEDCHAIN_FABRIC_PORT_OFFSET must be a number" >&2; exit 2; }
ORDERER_PORT=$((6050 + off)) ORDERER_ADMIN_PORT=$((9443 + off)) ORDERER_OPS_PORT=$((8443 + off))
PEER1_PORT=$((7051 + off)) PEER1_CC_PORT=$((7052 + off)) PEER1_OPS_PORT=$((8446 + off))
PEER2_PORT=$((8051 + off)) PEER2_CC_PORT=$((8052 + off)) PEER2_OPS_PORT=$((8447 + off))
CC1_PORT=$((9999 + off)) CC2_PORT=$((9998 + off))

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
# git archive of tag v3.1.5 with its vendor/ folder (docs/fabric.md, "Where the binaries come from")
FABRIC_SOURCE_SHA256=a5ab757f33b7d0cb000b85313607a9fcfa0628fc12669179029477d122151641

installed() {
  local b
  for b in "${BINARIES[@]}"; do [ -x "$bin/$b" ] || return 1; done
  [ -f "$fabric_dir/config/core.yaml" ] && [ -f "$fabric_dir/config/orderer.yaml" ]
}

copy_config() {
  rm -rf "$fabric_dir/config"
  cp -r "$1" "$fabric_dir/config"
  chmod -R u+w "$fabric_dir/config"
}

# An installed Fabric 3.1.x: $FABRIC_BIN, else a 'peer' on the PATH. Its binaries are linked
# into the cache; its config/ folder (FABRIC_CFG_PATH, or ../config beside the binaries, as
# Fabric's release archives lay it out) is copied.
use_installed() {
  local dir="${FABRIC_BIN:-}" b cfg v
  if [ -z "$dir" ]; then
    command -v peer >/dev/null || return 1
    dir="$(dirname "$(command -v peer)")"
  fi
  for b in "${BINARIES[@]}"; do [ -x "$dir/$b" ] || { say "$dir has no $b; not using it"; return 1; }; done
  v="$("$dir/peer" version 2>/dev/null | sed -n 's/^ *Version: *v\{0,1\}\([0-9.]*\).*/\1/p' | head -1)"
  case "$v" in 3.1.*) ;; *) say "$dir/peer is version '${v:-unknown}', not 3.1.x; not using it"; return 1 ;; esac
  cfg="${FABRIC_CFG_PATH:-$dir/../config}"
  [ -f "$cfg/core.yaml" ] && [ -f "$cfg/orderer.yaml" ] \
    || { say "no core.yaml and orderer.yaml in $cfg (set FABRIC_CFG_PATH)"; return 1; }
  mkdir -p "$bin"
  for b in "${BINARIES[@]}"; do ln -sf "$(cd "$dir" && pwd)/$b" "$bin/$b"; done
  copy_config "$cfg"
  say "using the installed Fabric $v in $dir"
}

# The Fabric source tarball ($FEDCHAIN_FABRIC_SOURCE), checked against its SHA-256, built offline
# with its vendored modules.
build_from_source() {
  local tarball="${FEDCHAIN_FABRIC_SOURCE:-}" sum work m=github.com/hyperledger/fabric/common/metadata
  [ -n "$tarball" ] || return 1
  [ -f "$tarball" ] || { say "FEDCHAIN_FABRIC_SOURCE=$tarball does not exist"; return 1; }
  sum="$(sha256sum "$tarball" | cut -d' ' -f1)"
  [ "$sum" = "$FABRIC_SOURCE_SHA256" ] \
    || die "$tarball has SHA-256 $sum, not $FABRIC_SOURCE_SHA256 (Fabric $FABRIC_VERSION source): refusing to build it"
  command -v go >/dev/null || die "'go' is not on the PATH: install Go >= 1.26.4 to build Fabric"
  work="$fabric_dir/src"
  rm -rf "$work" && mkdir -p "$work"
  say "building ${BINARIES[*]} (Fabric $FABRIC_VERSION) from $tarball into $bin; about 2 minutes on 2 cores, once"
  tar -xJf "$tarball" -C "$work"
  local pkgs=() b
  for b in "${BINARIES[@]}"; do pkgs+=("./cmd/$b"); done
  (cd "$work/fabric-$FABRIC_VERSION" && CGO_ENABLED=0 GOFLAGS="-mod=vendor -buildvcs=false" nice go build \
    -o "$bin/" -ldflags "-X $m.Version=$FABRIC_VERSION -X $m.CommitSHA=$FABRIC_COMMIT" "${pkgs[@]}") \
    || die "go build of the Fabric source failed (see above)"
  copy_config "$work/fabric-$FABRIC_VERSION/sampleconfig"
  rm -rf "$work"
}

# The Go module proxy at the pseudo-version of the v$FABRIC_VERSION commit. Some proxies refuse
# github.com/hyperledger/* modules (403).
build_from_proxy() {
  local m=github.com/hyperledger/fabric/common/metadata pkgs=() b dir
  command -v go >/dev/null || die "'go' is not on the PATH: install Go >= 1.26.4 to build Fabric"
  say "building ${BINARIES[*]} (Fabric $FABRIC_VERSION) from the Go module proxy into $bin; takes minutes once"
  for b in "${BINARIES[@]}"; do pkgs+=("github.com/hyperledger/fabric/cmd/$b@$FABRIC_PSEUDO"); done
  CGO_ENABLED=0 GOBIN="$bin" GOFLAGS=-buildvcs=false nice go install \
    -ldflags "-X $m.Version=$FABRIC_VERSION -X $m.CommitSHA=$FABRIC_COMMIT" "${pkgs[@]}" || return 1
  dir="$(go mod download -json "github.com/hyperledger/fabric@$FABRIC_PSEUDO" \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [ -d "$dir/sampleconfig" ] || die "no sampleconfig in the Fabric module ($dir)"
  copy_config "$dir/sampleconfig"
}

cmd_install() {
  if installed; then
    say "Fabric $FABRIC_VERSION already in $fabric_dir"
    return 0
  fi
  mkdir -p "$bin"
  use_installed || build_from_source || build_from_proxy \
    || die "no Fabric $FABRIC_VERSION: none installed (FABRIC_BIN or 'peer' on the PATH), no FEDCHAIN_FABRIC_SOURCE tarball, and the Go module proxy refused github.com/hyperledger/fabric@$FABRIC_PSEUDO (see above). Elsewhere, install Fabric's released binaries with Fabric's install script (install-fabric.sh binary) and set FABRIC_BIN to their bin/ folder"
  installed || die "the install finished but $fabric_dir lacks some of: ${BINARIES[*]} or config/"
  "$bin/peer" version | sed -n '1,3p' >&2
}

# ---------------------------------------------------------------- network
crypto="$net/crypto"
ord_dir="$crypto/ordererOrganizations/example.com"
orderer_node="$ord_dir/orderers/orderer.example.com"
orderer_admin="$ord_dir/users/Admin@example.com"
orderer_ca="$orderer_node/tls/ca.crt"

# per organisation N (1 or 2): its MSP id, folder, peer and ports
org_msp() { echo "Org$1MSP"; }
org_dir() { echo "$crypto/peerOrganizations/org$1.example.com"; }
peer_node() { echo "$(org_dir "$1")/peers/peer0.org$1.example.com"; }
peer_ca() { echo "$(peer_node "$1")/tls/ca.crt"; }
org_admin() { echo "$(org_dir "$1")/users/Admin@org$1.example.com"; }
peer_port() { case "$1" in 1) echo "$PEER1_PORT" ;; 2) echo "$PEER2_PORT" ;; esac; }
peer_cc_port() { case "$1" in 1) echo "$PEER1_CC_PORT" ;; 2) echo "$PEER2_CC_PORT" ;; esac; }
peer_ops_port() { case "$1" in 1) echo "$PEER1_OPS_PORT" ;; 2) echo "$PEER2_OPS_PORT" ;; esac; }
cc_port() { case "$1" in 1) echo "$CC1_PORT" ;; 2) echo "$CC2_PORT" ;; esac; }
ORGS=(1 2)

need_install() { installed || die "Fabric is not installed: run '$0 install' first"; }

now_ms() { date +%s%3N; }

# start NAME CMD...: runs CMD in the background with its log and pid file in the run folder
start() {
  local name="$1"; shift
  if running "$name"; then return 0; fi
  nohup "$@" > "$net/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$net/$name.pid"
}

running() {
  local f="$net/$1.pid"
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

# stop NAME: TERM, wait up to 10 s for it to go, then KILL
stop() {
  local name="$1" f="$net/$1.pid" pid i
  [ -f "$f" ] || return 0
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then say "$name (pid $pid) ignored TERM; killing it"; kill -9 "$pid" 2>/dev/null || true; fi
    say "stopped $name (pid $pid)"
  fi
  rm -f "$f"
}

# wait_healthy NAME PORT: polls the operations endpoint's /healthz until it answers 200 (60 s)
wait_healthy() {
  local name="$1" port="$2" deadline=$(( $(date +%s) + 60 ))
  until curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; do
    running "$name" || die "$name exited while starting; see $net/logs/$name.log"
    [ "$(date +%s)" -lt "$deadline" ] || die "$name not healthy on 127.0.0.1:$port/healthz after 60 s; see $net/logs/$name.log"
    sleep 0.1
  done
}

# wait_port NAME PORT: until something accepts TCP connections on 127.0.0.1:PORT (60 s)
wait_port() {
  local name="$1" port="$2" deadline=$(( $(date +%s) + 60 ))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    running "$name" || die "$name exited while starting; see $net/logs/$name.log"
    [ "$(date +%s)" -lt "$deadline" ] || die "$name does not accept connections on 127.0.0.1:$port after 60 s; see $net/logs/$name.log"
    sleep 0.1
  done
}

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

write_crypto_config() {
  cat > "$net/crypto-config.yaml" <<YAML
OrdererOrgs:
  - Name: Orderer
    Domain: example.com
    EnableNodeOUs: true
    Specs:
      - Hostname: orderer
        SANS: [localhost, 127.0.0.1]
PeerOrgs:
  - Name: Org1
    Domain: org1.example.com
    EnableNodeOUs: true
    Template: {Count: 1, SANS: [localhost, 127.0.0.1]}
    Users: {Count: 1}
  - Name: Org2
    Domain: org2.example.com
    EnableNodeOUs: true
    Template: {Count: 1, SANS: [localhost, 127.0.0.1]}
    Users: {Count: 1}
YAML
}

org_yaml() {
  local n="$1" msp; msp="$(org_msp "$n")"
  cat <<YAML
  - &Org$n
    Name: $msp
    ID: $msp
    MSPDir: $(org_dir "$n")/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('$msp.admin', '$msp.peer', '$msp.client')"}
      Writers: {Type: Signature, Rule: "OR('$msp.admin', '$msp.client')"}
      Admins: {Type: Signature, Rule: "OR('$msp.admin')"}
      Endorsement: {Type: Signature, Rule: "OR('$msp.peer')"}
    # how the other organisation's peer and gateway find this one (discovery)
    AnchorPeers:
      - {Host: 127.0.0.1, Port: $(peer_port "$n")}
YAML
}

write_configtx() {
  mkdir -p "$net/configtx"
  {
    cat <<YAML
Organizations:
  - &OrdererOrg
    Name: OrdererOrg
    ID: $ORDERER_MSP
    MSPDir: $ord_dir/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('$ORDERER_MSP.member')"}
      Writers: {Type: Signature, Rule: "OR('$ORDERER_MSP.member')"}
      Admins: {Type: Signature, Rule: "OR('$ORDERER_MSP.admin')"}
    OrdererEndpoints:
      - 127.0.0.1:$ORDERER_PORT
YAML
    org_yaml 1
    org_yaml 2
    cat <<YAML

Capabilities:
  Channel: &ChannelCapabilities {V3_0: true}
  Orderer: &OrdererCapabilities {V2_0: true}
  Application: &ApplicationCapabilities {V2_5: true}

# MAJORITY of two organisations is both: neither can change the chaincode alone
Application: &ApplicationDefaults
  Organizations:
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    LifecycleEndorsement: {Type: ImplicitMeta, Rule: "MAJORITY Endorsement"}
    Endorsement: {Type: ImplicitMeta, Rule: "MAJORITY Endorsement"}
  Capabilities: *ApplicationCapabilities

Orderer: &OrdererDefaults
  OrdererType: etcdraft
  # blocks are cut after 100 ms or 100 transactions: quick round trips for one machine
  BatchTimeout: 100ms
  BatchSize:
    MaxMessageCount: 100
    AbsoluteMaxBytes: 10 MB
    PreferredMaxBytes: 2 MB
  EtcdRaft:
    Consenters:
      - Host: 127.0.0.1
        Port: $ORDERER_PORT
        ClientTLSCert: $orderer_node/tls/server.crt
        ServerTLSCert: $orderer_node/tls/server.crt
  Organizations:
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
    BlockValidation: {Type: ImplicitMeta, Rule: "ANY Writers"}
  Capabilities: *OrdererCapabilities

Channel: &ChannelDefaults
  Policies:
    Readers: {Type: ImplicitMeta, Rule: "ANY Readers"}
    Writers: {Type: ImplicitMeta, Rule: "ANY Writers"}
    Admins: {Type: ImplicitMeta, Rule: "MAJORITY Admins"}
  Capabilities: *ChannelCapabilities

Profiles:
  FedChain:
    <<: *ChannelDefaults
    Orderer:
      <<: *OrdererDefaults
      Organizations: [*OrdererOrg]
    Application:
      <<: *ApplicationDefaults
      Organizations: [*Org1, *Org2]
YAML
  } > "$net/configtx/configtx.yaml"
}

start_orderer() {
  mkdir -p "$net/orderer"
  start orderer env \
    FABRIC_CFG_PATH="$fabric_dir/config" \
    FABRIC_LOGGING_SPEC=INFO \
    ORDERER_GENERAL_LISTENADDRESS=127.0.0.1 \
    ORDERER_GENERAL_LISTENPORT="$ORDERER_PORT" \
    ORDERER_GENERAL_LOCALMSPID="$ORDERER_MSP" \
    ORDERER_GENERAL_LOCALMSPDIR="$orderer_node/msp" \
    ORDERER_GENERAL_TLS_ENABLED=true \
    ORDERER_GENERAL_TLS_PRIVATEKEY="$orderer_node/tls/server.key" \
    ORDERER_GENERAL_TLS_CERTIFICATE="$orderer_node/tls/server.crt" \
    ORDERER_GENERAL_TLS_ROOTCAS="[$orderer_node/tls/ca.crt]" \
    ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE="$orderer_node/tls/server.crt" \
    ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY="$orderer_node/tls/server.key" \
    ORDERER_GENERAL_CLUSTER_ROOTCAS="[$orderer_node/tls/ca.crt]" \
    ORDERER_GENERAL_BOOTSTRAPMETHOD=none \
    ORDERER_CHANNELPARTICIPATION_ENABLED=true \
    ORDERER_FILELEDGER_LOCATION="$net/orderer/ledger" \
    ORDERER_CONSENSUS_WALDIR="$net/orderer/etcdraft/wal" \
    ORDERER_CONSENSUS_SNAPDIR="$net/orderer/etcdraft/snap" \
    ORDERER_OPERATIONS_LISTENADDRESS="127.0.0.1:$ORDERER_OPS_PORT" \
    ORDERER_METRICS_PROVIDER=prometheus \
    ORDERER_ADMIN_LISTENADDRESS="127.0.0.1:$ORDERER_ADMIN_PORT" \
    ORDERER_ADMIN_TLS_ENABLED=true \
    ORDERER_ADMIN_TLS_PRIVATEKEY="$orderer_node/tls/server.key" \
    ORDERER_ADMIN_TLS_CERTIFICATE="$orderer_node/tls/server.crt" \
    ORDERER_ADMIN_TLS_ROOTCAS="[$orderer_node/tls/ca.crt]" \
    ORDERER_ADMIN_TLS_CLIENTAUTHREQUIRED=true \
    ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$orderer_node/tls/ca.crt]" \
    "$bin/orderer"
}

start_peer() {
  local n="$1" node port; node="$(peer_node "$n")"; port="$(peer_port "$n")"
  mkdir -p "$net/peer$n"
  start "peer$n" env \
    FABRIC_CFG_PATH="$fabric_dir/config" \
    FABRIC_LOGGING_SPEC=INFO \
    CORE_PEER_ID="peer0.org$n.example.com" \
    CORE_PEER_ADDRESS="127.0.0.1:$port" \
    CORE_PEER_LISTENADDRESS="127.0.0.1:$port" \
    CORE_PEER_CHAINCODEADDRESS="127.0.0.1:$(peer_cc_port "$n")" \
    CORE_PEER_CHAINCODELISTENADDRESS="127.0.0.1:$(peer_cc_port "$n")" \
    CORE_PEER_GOSSIP_BOOTSTRAP="127.0.0.1:$port" \
    CORE_PEER_GOSSIP_EXTERNALENDPOINT="127.0.0.1:$port" \
    CORE_PEER_GOSSIP_RECONNECTINTERVAL=2s \
    CORE_PEER_GOSSIP_PUBLISHSTATEINFOINTERVAL=1s \
    CORE_PEER_GOSSIP_MEMBERSHIPTRACKERINTERVAL=1s \
    CORE_PEER_LOCALMSPID="$(org_msp "$n")" \
    CORE_PEER_MSPCONFIGPATH="$node/msp" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_CERT_FILE="$node/tls/server.crt" \
    CORE_PEER_TLS_KEY_FILE="$node/tls/server.key" \
    CORE_PEER_TLS_ROOTCERT_FILE="$node/tls/ca.crt" \
    CORE_PEER_FILESYSTEMPATH="$net/peer$n/data" \
    CORE_LEDGER_SNAPSHOTS_ROOTDIR="$net/peer$n/snapshots" \
    CORE_OPERATIONS_LISTENADDRESS="127.0.0.1:$(peer_ops_port "$n")" \
    CORE_METRICS_PROVIDER=disabled \
    CORE_VM_ENDPOINT= \
    CORE_CHAINCODE_EXTERNALBUILDERS="[{name: ccaas_builder, path: $here/fabric/ccaas, propagateEnvironment: [CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG]}]" \
    "$bin/peer" node start
}

# as_admin N CMD...: the peer CLI as organisation N's admin, talking to its peer
as_admin() {
  local n="$1"; shift
  env FABRIC_CFG_PATH="$fabric_dir/config" FABRIC_LOGGING_SPEC="${FABRIC_LOGGING_SPEC:-warning}" \
    CORE_PEER_LOCALMSPID="$(org_msp "$n")" \
    CORE_PEER_MSPCONFIGPATH="$(org_admin "$n")/msp" \
    CORE_PEER_ADDRESS="127.0.0.1:$(peer_port "$n")" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_ROOTCERT_FILE="$(peer_ca "$n")" \
    "$@"
}

all_ports() {
  echo "$ORDERER_PORT" "$ORDERER_ADMIN_PORT" "$ORDERER_OPS_PORT" "$PEER1_PORT" "$PEER1_CC_PORT" \
    "$PEER1_OPS_PORT" "$PEER2_PORT" "$PEER2_CC_PORT" "$PEER2_OPS_PORT" "$CC1_PORT" "$CC2_PORT"
}

cmd_up() {
  need_install
  chaincode_classpath >/dev/null
  local t0 t1 n; t0=$(now_ms)
  mkdir -p "$net/logs"
  if [ ! -f "$net/channel.block" ]; then
    local p
    for p in $(all_ports); do
      port_free "$p" || die "port 127.0.0.1:$p is taken (another network? '$0 down', or FEDCHAIN_FABRIC_PORT_OFFSET)"
    done
    write_crypto_config
    rm -rf "$crypto"
    "$bin/cryptogen" generate --config="$net/crypto-config.yaml" --output="$crypto" >/dev/null
    write_configtx
    "$bin/configtxgen" -configPath "$net/configtx" -profile FedChain -channelID "$CHANNEL" \
      -outputBlock "$net/channel.block.tmp" 2> "$net/logs/configtxgen.log" \
      || die "configtxgen failed; see $net/logs/configtxgen.log"
    mv "$net/channel.block.tmp" "$net/channel.block"
  fi
  start_orderer
  for n in "${ORGS[@]}"; do start_peer "$n"; done
  wait_healthy orderer "$ORDERER_OPS_PORT"
  for n in "${ORGS[@]}"; do wait_healthy "peer$n" "$(peer_ops_port "$n")"; done

  # osnadmin exits 0 on HTTP errors too: read the status it prints
  if ! "$bin/osnadmin" channel list --channelID "$CHANNEL" -o "127.0.0.1:$ORDERER_ADMIN_PORT" \
      --ca-file "$orderer_ca" --client-cert "$orderer_admin/tls/client.crt" \
      --client-key "$orderer_admin/tls/client.key" 2>/dev/null | grep -q '^Status: 200'; then
    "$bin/osnadmin" channel join --channelID "$CHANNEL" --config-block "$net/channel.block" \
      -o "127.0.0.1:$ORDERER_ADMIN_PORT" --ca-file "$orderer_ca" \
      --client-cert "$orderer_admin/tls/client.crt" --client-key "$orderer_admin/tls/client.key" \
      > "$net/logs/osnadmin.log" 2>&1 || true
    grep -q '^Status: 201' "$net/logs/osnadmin.log" \
      || die "osnadmin channel join failed; see $net/logs/osnadmin.log"
  fi
  for n in "${ORGS[@]}"; do
    if ! as_admin "$n" "$bin/peer" channel list 2>/dev/null | grep -qx "$CHANNEL"; then
      # the orderer needs a moment to elect itself leader; the peer retries fetching blocks itself
      as_admin "$n" "$bin/peer" channel join -b "$net/channel.block" > "$net/logs/join$n.log" 2>&1 \
        || die "peer$n channel join failed; see $net/logs/join$n.log"
    fi
  done
  wait_raft_leader
  for n in "${ORGS[@]}"; do wait_channel_ready "$n"; done
  wait_peers_meet
  say "network up in $(( $(now_ms) - t0 )) ms: channel '$CHANNEL', orderer 127.0.0.1:$ORDERER_PORT, peers 127.0.0.1:$PEER1_PORT (Org1MSP) and 127.0.0.1:$PEER2_PORT (Org2MSP)"
  for n in "${ORGS[@]}"; do install_chaincode "$n"; done
  t1=$(now_ms)
  for n in "${ORGS[@]}"; do start_chaincode "$n"; done
  for n in "${ORGS[@]}"; do wait_port "chaincode$n" "$(cc_port "$n")"; done
  say "each organisation's chaincode serves (127.0.0.1:$CC1_PORT, 127.0.0.1:$CC2_PORT) after $(( $(now_ms) - t1 )) ms"
  define "$CC_NAME"
  say "up in $(( $(now_ms) - t0 )) ms; ledger URIs (one per organisation):"
  cmd_uris "$CC_NAME"
}

# until the orderer leads the channel's Raft group (before that it refuses transactions and
# deliveries with "no Raft leader"); read from its Prometheus metrics
wait_raft_leader() {
  local deadline=$(( $(date +%s) + 60 ))
  until curl -fsS "http://127.0.0.1:$ORDERER_OPS_PORT/metrics" 2>/dev/null \
      | grep -q "^consensus_etcdraft_is_leader{channel=\"$CHANNEL\"} 1"; do
    running orderer || die "the orderer exited; see $net/logs/orderer.log"
    [ "$(date +%s)" -lt "$deadline" ] || die "no Raft leader for '$CHANNEL' after 60 s; see $net/logs/orderer.log"
    sleep 0.1
  done
}

# until each peer's gossip sees the other organisation's peer on the channel: before that, the
# gateway cannot find endorsers of both organisations ("no combination of peers ...")
wait_peers_meet() {
  local deadline=$(( $(date +%s) + 90 )) n other
  for n in "${ORGS[@]}"; do
    other=$(( 3 - n ))
    until grep -q "peers went online:.*127\.0\.0\.1:$(peer_port "$other")" "$net/logs/peer$n.log"; do
      running "peer$n" || die "peer$n exited; see $net/logs/peer$n.log"
      [ "$(date +%s)" -lt "$deadline" ] || die "peer$n does not see peer$other on '$CHANNEL' after 90 s (gossip); see $net/logs/peer$n.log"
      sleep 0.2
    done
  done
}

# until peer N has the genesis block of the channel (height >= 1)
wait_channel_ready() {
  local deadline=$(( $(date +%s) + 60 ))
  until as_admin "$1" "$bin/peer" channel getinfo -c "$CHANNEL" 2>/dev/null | grep -q '"height":'; do
    [ "$(date +%s)" -lt "$deadline" ] || die "peer$1 has no block of '$CHANNEL' after 60 s; see $net/logs/peer$1.log"
    sleep 0.2
  done
}

# ---------------------------------------------------------------- chaincode
# Each organisation runs its own copy of the chaincode (as a service) and installs a package that
# points its peer at it: the endorsement policy needs both organisations' peers, so neither can
# write the ledger alone, and each trusts only the code it runs.

chaincode_classpath() {
  local jar cp
  jar="$(ls "$root"/contracts/chaincode/target/fedchain-chaincode-*.jar 2>/dev/null | grep -v -e sources -e tests | head -1 || true)"
  cp="$root/contracts/chaincode/target/classpath.txt"
  [ -n "$jar" ] && [ -f "$cp" ] || die "the chaincode is not built: mvn -B -pl contracts/chaincode -am package -DskipTests"
  echo "$jar:$(cat "$cp")"
}

install_chaincode() {
  local n="$1" pkg="$net/chaincode/org$1" id
  rm -rf "$pkg" && mkdir -p "$pkg/src"
  printf '{"address":"127.0.0.1:%s","dial_timeout":"10s","tls_required":false}\n' "$(cc_port "$n")" > "$pkg/src/connection.json"
  printf '{"type":"ccaas","label":"%s"}\n' "$CC_LABEL" > "$pkg/metadata.json"
  # fixed mtimes and owners: the same address gives the same package id
  tar -C "$pkg/src" --mtime=@0 --owner=0 --group=0 --numeric-owner -czf "$pkg/code.tar.gz" connection.json
  tar -C "$pkg" --mtime=@0 --owner=0 --group=0 --numeric-owner -czf "$pkg/$CC_LABEL.tgz" metadata.json code.tar.gz
  id="$(as_admin "$n" "$bin/peer" lifecycle chaincode calculatepackageid "$pkg/$CC_LABEL.tgz")"
  if ! as_admin "$n" "$bin/peer" lifecycle chaincode queryinstalled 2>/dev/null | grep -qF "Package ID: $id,"; then
    as_admin "$n" "$bin/peer" lifecycle chaincode install "$pkg/$CC_LABEL.tgz" > "$net/logs/install$n.log" 2>&1 \
      || die "install of the chaincode package on peer$n failed; see $net/logs/install$n.log"
  fi
  echo "$id" > "$net/chaincode$n.id"
}

start_chaincode() {
  local n="$1"
  # a clean environment: the shim must not inherit CORE_PEER_TLS_ENABLED and friends
  start "chaincode$n" env -i PATH="$PATH" HOME="$HOME" ${JAVA_HOME:+JAVA_HOME="$JAVA_HOME"} \
    CHAINCODE_SERVER_ADDRESS="127.0.0.1:$(cc_port "$n")" CORE_CHAINCODE_ID_NAME="$(cat "$net/chaincode$n.id")" \
    FEDCHAIN_MINTERS="${FEDCHAIN_MINTERS:-Org1MSP/admin}" FEDCHAIN_CHANNEL_BLOCK="$net/channel.block" \
    java -XX:+UseSerialGC -cp "$(chaincode_classpath)" org.hyperledger.fabric.contract.ContractRouter
}

# define NAME...: a chaincode definition per name on the installed packages, endorsed by both
# organisations; each name is a fresh, empty ledger on the same channel (the tests open one per
# rule vector). Approvals of all names go out together, then the commits.
define() {
  local names=() name
  for name in "$@"; do
    [[ "$name" =~ ^[a-z][a-z0-9_-]*$ ]] || die "chaincode name '$name' must be lower-case letters, digits, _ and -"
    as_admin 1 "$bin/peer" lifecycle chaincode querycommitted -C "$CHANNEL" -n "$name" >/dev/null 2>&1 \
      || names+=("$name")
  done
  [ ${#names[@]} -gt 0 ] || return 0
  # at most 20 names at a time: each takes two short-lived peer CLI processes per step
  while [ ${#names[@]} -gt 20 ]; do
    define_batch "${names[@]:0:20}"
    names=("${names[@]:20}")
  done
  define_batch "${names[@]}"
}

define_batch() {
  local name n pids=() orderer=(-o "127.0.0.1:$ORDERER_PORT" --tls --cafile "$orderer_ca")
  for name in "$@"; do
    for n in "${ORGS[@]}"; do
      as_admin "$n" "$bin/peer" lifecycle chaincode approveformyorg "${orderer[@]}" -C "$CHANNEL" -n "$name" \
        --version 1 --sequence 1 --package-id "$(cat "$net/chaincode$n.id")" --signature-policy "$ENDORSEMENT" \
        >> "$net/logs/define.log" 2>&1 &
      pids+=($!)
    done
  done
  for n in "${pids[@]}"; do wait "$n" || die "approveformyorg failed; see $net/logs/define.log"; done
  pids=()
  for name in "$@"; do
    as_admin 1 "$bin/peer" lifecycle chaincode commit "${orderer[@]}" -C "$CHANNEL" -n "$name" \
      --version 1 --sequence 1 --signature-policy "$ENDORSEMENT" \
      --peerAddresses "127.0.0.1:$PEER1_PORT" --tlsRootCertFiles "$(peer_ca 1)" \
      --peerAddresses "127.0.0.1:$PEER2_PORT" --tlsRootCertFiles "$(peer_ca 2)" \
      >> "$net/logs/define.log" 2>&1 &
    pids+=($!)
  done
  for n in "${pids[@]}"; do wait "$n" || die "chaincode commit failed; see $net/logs/define.log"; done
}

cmd_define() {
  [ $# -gt 0 ] || die "usage: $0 define NAME..."
  running peer1 && running peer2 || die "the network is not up: run '$0 up' first"
  local t0; t0=$(now_ms)
  define "$@"
  say "defined $# chaincode name(s) in $(( $(now_ms) - t0 )) ms"
}

# uris [NAME]: the fabric: ledger URI of each organisation's admin for chaincode NAME
cmd_uris() {
  local name="${1:-$CC_NAME}" n
  [ -d "$crypto" ] || die "no network in $net: run '$0 up' first"
  for n in "${ORGS[@]}"; do
    printf 'org%s fabric:127.0.0.1:%s?channel=%s&chaincode=%s&msp=%s&mspdir=%s&tlsca=%s\n' \
      "$n" "$(peer_port "$n")" "$CHANNEL" "$name" "$(org_msp "$n")" "$(org_admin "$n")/msp" "$(peer_ca "$n")"
  done
}

cmd_env() {
  local n="${1:-1}"
  [[ "$n" =~ ^[12]$ ]] || die "usage: $0 env [1|2] (the organisation)"
  cat <<TXT
export FABRIC_CFG_PATH='$fabric_dir/config'
export FABRIC_LOGGING_SPEC=warning
export FABRIC_BIN='$bin'
export PATH="\$FABRIC_BIN:\$PATH"
export CORE_PEER_LOCALMSPID='$(org_msp "$n")'
export CORE_PEER_MSPCONFIGPATH='$(org_admin "$n")/msp'
export CORE_PEER_ADDRESS='127.0.0.1:$(peer_port "$n")'
export CORE_PEER_TLS_ENABLED=true
export CORE_PEER_TLS_ROOTCERT_FILE='$(peer_ca "$n")'
export ORDERER_CA='$orderer_ca'
export ORDERER_ADDRESS='127.0.0.1:$ORDERER_PORT'
TXT
}

cmd_status() {
  local name port up=0
  for name in orderer peer1 peer2 chaincode1 chaincode2; do
    if running "$name"; then
      up=$((up + 1))
      case "$name" in orderer) port=$ORDERER_OPS_PORT ;; peer1) port=$PEER1_OPS_PORT ;; peer2) port=$PEER2_OPS_PORT ;; *) port= ;; esac
      if [ -n "$port" ]; then
        printf '%-11s running (pid %s), /healthz: %s\n' "$name" "$(cat "$net/$name.pid")" \
          "$(curl -fsS "http://127.0.0.1:$port/healthz" 2>/dev/null | tr -d '\n' || echo unreachable)"
      else
        printf '%-11s running (pid %s)\n' "$name" "$(cat "$net/$name.pid")"
      fi
    else
      printf '%-11s stopped\n' "$name"
    fi
  done
  if [ -d "$net" ]; then echo "run folder: $net (logs in $net/logs)"; else echo "no run folder ($net)"; fi
  [ "$up" -eq 5 ] && cmd_uris "$CC_NAME"
  [ "$up" -eq 5 ]
}

cmd_down() {
  local name
  for name in chaincode1 chaincode2 peer1 peer2 orderer; do stop "$name"; done
  if [ -d "$net" ]; then rm -rf "$net"; say "deleted $net"; fi
}

main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    install) cmd_install "$@" ;;
    up) cmd_up "$@" ;;
    define) cmd_define "$@" ;;
    uris) cmd_uris "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env "$@" ;;
    down) cmd_down "$@" ;;
    ""|-h|--help|help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//' ;;
    *) die "unknown command '$cmd' (install, up, define, uris, status, env, down)" ;;
  esac
}
main "$@"
