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

# Fabric is built from the Go module proxy at the pseudo-version of the v$FABRIC_VERSION commit
# (TOOLCHAIN.md). Some proxies refuse github.com/hyperledger/* modules (403); install then fails
# with that reason, and the network cannot be started on this machine.
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
  say "building ${BINARIES[*]} (Fabric $FABRIC_VERSION) from the Go module proxy into $bin; takes minutes once"
  build_from_proxy || die "the Go module proxy did not give github.com/hyperledger/fabric@$FABRIC_PSEUDO (see the error above; a 403 means the proxy refuses this module)"
  installed || die "the build finished but $bin lacks some of: ${BINARIES[*]}"
  "$bin/peer" version | sed -n '1,3p' >&2
}

# ---------------------------------------------------------------- network
crypto="$net/crypto"
ord_dir="$crypto/ordererOrganizations/example.com"
org_dir="$crypto/peerOrganizations/org1.example.com"
orderer_node="$ord_dir/orderers/orderer.example.com"
peer_node="$org_dir/peers/peer0.org1.example.com"
orderer_admin="$ord_dir/users/Admin@example.com"
org_admin="$org_dir/users/Admin@org1.example.com"
org_user="$org_dir/users/User1@org1.example.com"
orderer_ca="$orderer_node/tls/ca.crt"
peer_ca="$peer_node/tls/ca.crt"

need_install() { installed || die "Fabric is not installed: run '$0 install' first"; }

now_ms() { date +%s%3N; }

# start NAME CMD...: runs CMD in the background with its log and pid file in the run folder
start() {
  local name="$1"; shift
  if running "$name"; then say "$name already running (pid $(cat "$net/$name.pid"))"; return 0; fi
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
    Template:
      Count: 1
      SANS: [localhost, 127.0.0.1]
    Users:
      Count: 1
YAML
}

write_configtx() {
  mkdir -p "$net/configtx"
  cat > "$net/configtx/configtx.yaml" <<YAML
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
  - &Org1
    Name: $ORG_MSP
    ID: $ORG_MSP
    MSPDir: $org_dir/msp
    Policies:
      Readers: {Type: Signature, Rule: "OR('$ORG_MSP.admin', '$ORG_MSP.peer', '$ORG_MSP.client')"}
      Writers: {Type: Signature, Rule: "OR('$ORG_MSP.admin', '$ORG_MSP.client')"}
      Admins: {Type: Signature, Rule: "OR('$ORG_MSP.admin')"}
      Endorsement: {Type: Signature, Rule: "OR('$ORG_MSP.peer')"}

Capabilities:
  Channel: &ChannelCapabilities {V3_0: true}
  Orderer: &OrdererCapabilities {V2_0: true}
  Application: &ApplicationCapabilities {V2_5: true}

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
      Organizations: [*Org1]
YAML
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
  mkdir -p "$net/peer"
  start peer env \
    FABRIC_CFG_PATH="$fabric_dir/config" \
    FABRIC_LOGGING_SPEC=INFO \
    CORE_PEER_ID=peer0.org1.example.com \
    CORE_PEER_ADDRESS="127.0.0.1:$PEER_PORT" \
    CORE_PEER_LISTENADDRESS="127.0.0.1:$PEER_PORT" \
    CORE_PEER_CHAINCODEADDRESS="127.0.0.1:$PEER_CC_PORT" \
    CORE_PEER_CHAINCODELISTENADDRESS="127.0.0.1:$PEER_CC_PORT" \
    CORE_PEER_GOSSIP_BOOTSTRAP="127.0.0.1:$PEER_PORT" \
    CORE_PEER_GOSSIP_EXTERNALENDPOINT="127.0.0.1:$PEER_PORT" \
    CORE_PEER_LOCALMSPID="$ORG_MSP" \
    CORE_PEER_MSPCONFIGPATH="$peer_node/msp" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_CERT_FILE="$peer_node/tls/server.crt" \
    CORE_PEER_TLS_KEY_FILE="$peer_node/tls/server.key" \
    CORE_PEER_TLS_ROOTCERT_FILE="$peer_node/tls/ca.crt" \
    CORE_PEER_FILESYSTEMPATH="$net/peer/data" \
    CORE_LEDGER_SNAPSHOTS_ROOTDIR="$net/peer/snapshots" \
    CORE_OPERATIONS_LISTENADDRESS="127.0.0.1:$PEER_OPS_PORT" \
    CORE_METRICS_PROVIDER=disabled \
    CORE_VM_ENDPOINT= \
    CORE_CHAINCODE_EXTERNALBUILDERS="[{name: ccaas_builder, path: $here/fabric/ccaas, propagateEnvironment: [CHAINCODE_AS_A_SERVICE_BUILDER_CONFIG]}]" \
    "$bin/peer" node start
}

# the peer CLI as Org1's admin
as_admin() {
  env FABRIC_CFG_PATH="$fabric_dir/config" FABRIC_LOGGING_SPEC="${FABRIC_LOGGING_SPEC:-warning}" \
    CORE_PEER_LOCALMSPID="$ORG_MSP" \
    CORE_PEER_MSPCONFIGPATH="$org_admin/msp" \
    CORE_PEER_ADDRESS="127.0.0.1:$PEER_PORT" \
    CORE_PEER_TLS_ENABLED=true \
    CORE_PEER_TLS_ROOTCERT_FILE="$peer_ca" \
    "$@"
}

cmd_up() {
  need_install
  local t0; t0=$(now_ms)
  mkdir -p "$net/logs"
  if [ ! -f "$net/channel.block" ]; then
    local p
    for p in "$ORDERER_PORT" "$ORDERER_ADMIN_PORT" "$ORDERER_OPS_PORT" "$PEER_PORT" "$PEER_CC_PORT" "$PEER_OPS_PORT"; do
      port_free "$p" || die "port 127.0.0.1:$p is taken (another network? '$0 down' or set FEDCHAIN_*_PORT)"
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
  start_peer
  wait_healthy orderer "$ORDERER_OPS_PORT"
  wait_healthy peer "$PEER_OPS_PORT"

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
  if ! as_admin "$bin/peer" channel list 2>/dev/null | grep -qx "$CHANNEL"; then
    # the orderer needs a moment to elect itself leader; the peer retries fetching blocks itself
    as_admin "$bin/peer" channel join -b "$net/channel.block" > "$net/logs/join.log" 2>&1 \
      || die "peer channel join failed; see $net/logs/join.log"
  fi
  wait_raft_leader
  wait_channel_ready
  say "up in $(( $(now_ms) - t0 )) ms: channel '$CHANNEL' on orderer 127.0.0.1:$ORDERER_PORT, peer 127.0.0.1:$PEER_PORT"
  print_paths
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

# until the peer has the genesis block of the channel (height >= 1)
wait_channel_ready() {
  local deadline=$(( $(date +%s) + 60 ))
  until as_admin "$bin/peer" channel getinfo -c "$CHANNEL" 2>/dev/null | grep -q '"height":'; do
    [ "$(date +%s)" -lt "$deadline" ] || die "peer has no block of '$CHANNEL' after 60 s; see $net/logs/peer.log"
    sleep 0.2
  done
}

print_paths() {
  cat <<TXT
run folder        $net (logs in $net/logs)
channel           $CHANNEL
orderer           127.0.0.1:$ORDERER_PORT   TLS CA $orderer_ca
peer (gateway)    127.0.0.1:$PEER_PORT   TLS CA $peer_ca
org1 admin MSP    $org_admin/msp   (MSP id $ORG_MSP; cert signcerts/*.pem, key keystore/*_sk)
org1 user MSP     $org_user/msp
peer CLI env      eval "\$($0 env)"
TXT
}

cmd_env() {
  cat <<TXT
export FABRIC_CFG_PATH='$fabric_dir/config'
export FABRIC_LOGGING_SPEC=warning
export PATH='$bin':"\$PATH"
export CORE_PEER_LOCALMSPID='$ORG_MSP'
export CORE_PEER_MSPCONFIGPATH='$org_admin/msp'
export CORE_PEER_ADDRESS='127.0.0.1:$PEER_PORT'
export CORE_PEER_TLS_ENABLED=true
export CORE_PEER_TLS_ROOTCERT_FILE='$peer_ca'
export ORDERER_CA='$orderer_ca'
export ORDERER_ADDRESS='127.0.0.1:$ORDERER_PORT'
TXT
}

# ---------------------------------------------------------------- chaincode
cmd_deploy() {
  [ $# -eq 2 ] || die "usage: $0 deploy <label> <chaincode-host:port>"
  local label="$1" addr="$2" t0
  t0=$(now_ms)
  need_install
  running peer || die "the network is not up: run '$0 up' first"
  [[ "$label" =~ ^[A-Za-z0-9_.+-]+$ ]] || die "label '$label' may hold only letters, digits and _ . + -"
  [[ "$addr" =~ ^[^:]+:[0-9]+$ ]] || die "chaincode address '$addr' is not host:port"
  local pkg="$net/chaincode/$label"
  rm -rf "$pkg" && mkdir -p "$pkg/src"
  printf '{"address":"%s","dial_timeout":"10s","tls_required":false}\n' "$addr" > "$pkg/src/connection.json"
  printf '{"type":"ccaas","label":"%s"}\n' "$label" > "$pkg/metadata.json"
  # fixed mtimes and owners: the same label and address give the same package id
  tar -C "$pkg/src" --mtime=@0 --owner=0 --group=0 --numeric-owner -czf "$pkg/code.tar.gz" connection.json
  tar -C "$pkg" --mtime=@0 --owner=0 --group=0 --numeric-owner -czf "$pkg/$label.tgz" metadata.json code.tar.gz
  local id
  id="$(as_admin "$bin/peer" lifecycle chaincode calculatepackageid "$pkg/$label.tgz")"
  if ! as_admin "$bin/peer" lifecycle chaincode queryinstalled 2>/dev/null | grep -qF "Package ID: $id,"; then
    as_admin "$bin/peer" lifecycle chaincode install "$pkg/$label.tgz" > "$net/logs/deploy.log" 2>&1 \
      || die "install of $label failed; see $net/logs/deploy.log"
  fi
  local seq=0 committed
  if committed="$(as_admin "$bin/peer" lifecycle chaincode querycommitted -C "$CHANNEL" -n "$CC_NAME" 2>/dev/null)"; then
    seq="$(sed -n 's/.*Sequence: \([0-9]*\),.*/\1/p' <<<"$committed" | head -1)"
  fi
  if [ "$seq" -gt 0 ] && as_admin "$bin/peer" lifecycle chaincode queryapproved -C "$CHANNEL" -n "$CC_NAME" \
      --sequence "$seq" 2>/dev/null | grep -qF "$id"; then
    say "$CC_NAME sequence $seq already runs package $id"
  else
    seq=$((seq + 1))
    local orderer=(-o "127.0.0.1:$ORDERER_PORT" --tls --cafile "$orderer_ca")
    as_admin "$bin/peer" lifecycle chaincode approveformyorg "${orderer[@]}" -C "$CHANNEL" -n "$CC_NAME" \
      --version "$label" --package-id "$id" --sequence "$seq" >> "$net/logs/deploy.log" 2>&1 \
      || die "approveformyorg failed; see $net/logs/deploy.log"
    as_admin "$bin/peer" lifecycle chaincode commit "${orderer[@]}" -C "$CHANNEL" -n "$CC_NAME" \
      --version "$label" --sequence "$seq" --peerAddresses "127.0.0.1:$PEER_PORT" \
      --tlsRootCertFiles "$peer_ca" >> "$net/logs/deploy.log" 2>&1 \
      || die "commit failed; see $net/logs/deploy.log"
  fi
  echo "$id" > "$net/chaincode.id"
  echo "$addr" > "$net/chaincode.address"
  say "deployed $CC_NAME (sequence $seq) on '$CHANNEL' in $(( $(now_ms) - t0 )) ms; chaincode address $addr"
  echo "$id"
}

cmd_chaincode_start() {
  [ -f "$net/chaincode.id" ] || die "nothing deployed: run '$0 deploy <label> <host:port>' first"
  local id addr jar cp
  id="$(cat "$net/chaincode.id")"; addr="$(cat "$net/chaincode.address")"
  jar="$(ls "$root"/contracts/chaincode/target/fedchain-chaincode-*.jar 2>/dev/null | grep -v -e sources -e tests | head -1 || true)"
  cp="$root/contracts/chaincode/target/classpath.txt"
  [ -n "$jar" ] && [ -f "$cp" ] || die "the chaincode is not built: mvn -B -pl contracts/chaincode -am install -DskipTests"
  if running chaincode; then say "chaincode already running (pid $(cat "$net/chaincode.pid"))"; return 0; fi
  local t0; t0=$(now_ms)
  # a clean environment: the shim must not inherit CORE_PEER_TLS_ENABLED and friends
  start chaincode env -i PATH="$PATH" HOME="$HOME" ${JAVA_HOME:+JAVA_HOME="$JAVA_HOME"} \
    CHAINCODE_SERVER_ADDRESS="$addr" CORE_CHAINCODE_ID_NAME="$id" \
    FEDCHAIN_CHAINCODE_NAME="$CC_NAME" FEDCHAIN_MINTERS="${FEDCHAIN_MINTERS:-$ORG_MSP/admin}" \
    java -cp "$jar:$(cat "$cp")" org.hyperledger.fabric.contract.ContractRouter
  wait_port chaincode "${addr##*:}"
  say "chaincode $id serving on $addr (pid $(cat "$net/chaincode.pid"), $(( $(now_ms) - t0 )) ms)"
}

cmd_chaincode_stop() { stop chaincode; }

cmd_status() {
  local name port
  for name in orderer peer chaincode; do
    if running "$name"; then
      case "$name" in orderer) port=$ORDERER_OPS_PORT ;; peer) port=$PEER_OPS_PORT ;; *) port= ;; esac
      if [ -n "$port" ]; then
        printf '%-10s running (pid %s), /healthz: %s\n' "$name" "$(cat "$net/$name.pid")" \
          "$(curl -fsS "http://127.0.0.1:$port/healthz" 2>/dev/null | tr -d '\n' || echo unreachable)"
      else
        printf '%-10s running (pid %s), package %s\n' "$name" "$(cat "$net/$name.pid")" "$(cat "$net/chaincode.id" 2>/dev/null)"
      fi
    else
      printf '%-10s stopped\n' "$name"
    fi
  done
  [ -d "$net" ] && echo "run folder: $net" || echo "no run folder ($net)"
}

cmd_down() {
  stop chaincode
  stop peer
  stop orderer
  if [ -d "$net" ]; then rm -rf "$net"; say "deleted $net"; fi
}

main() {
  local cmd="${1:-}"
  [ $# -gt 0 ] && shift
  case "$cmd" in
    install) cmd_install "$@" ;;
    up) cmd_up "$@" ;;
    deploy) cmd_deploy "$@" ;;
    chaincode-start) cmd_chaincode_start "$@" ;;
    chaincode-stop) cmd_chaincode_stop "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env "$@" ;;
    down) cmd_down "$@" ;;
    ""|-h|--help|help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) die "unknown command '$cmd' (install, up, deploy, chaincode-start, chaincode-stop, status, env, down)" ;;
  esac
}
main "$@"
