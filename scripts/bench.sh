#!/usr/bin/env bash
# Runs a benchmark; each prints its numbers next to the reference they are compared with.
#   scripts/bench.sh chain [updates]    hash+sign+record time per update next to one training epoch
#   scripts/bench.sh transfer           50 MB over loopback gRPC (plaintext, TLS) next to raw TCP
#   scripts/bench.sh trainer ARGS       DJL training speed and accuracy (see TrainerBench)
#   scripts/bench.sh fedavg [ROUNDS [LOCAL_EPOCHS [THREADS]]]   10 clients, CNN, IID and Dirichlet(0.5)
set -euo pipefail
cd "$(dirname "$0")/.."
export FEDCHAIN_CACHE="${FEDCHAIN_CACHE:-$HOME/.cache/fedchain}"
mvn -B -q -ntp -DskipTests -Dspotless.check.skip=true -pl bench -am package >&2
export DJL_OFFLINE=true DJL_CACHE_DIR="$FEDCHAIN_CACHE/djl" OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
cp="bench/target/fedchain-bench-0.1.0-SNAPSHOT.jar:$(cat bench/target/classpath.txt)"
case "${1:-}" in
  chain) shift; exec java -cp "$cp" org.fedchain.bench.ChainBench "$@" ;;
  transfer) shift; exec java -cp "$cp" org.fedchain.comms.TransferBench "$@" ;;
  trainer) shift; exec java -cp "$cp" org.fedchain.trainer.TrainerBench "$@" ;;
  fedavg) shift; exec java -cp "$cp" org.fedchain.client.FedAvgBench "$@" ;;
  *) echo "usage: scripts/bench.sh chain [updates] | transfer | trainer ARGS | fedavg [ROUNDS]" >&2; exit 2 ;;
esac
