#!/usr/bin/env bash
# Runs a benchmark; each prints its numbers next to the reference they are compared with.
#   scripts/bench.sh chain [updates]    hash+sign+record time per update next to one training epoch
#   scripts/bench.sh ledger [SUBMITS [CLIENTS]]   verified submits/s and latency: embedded, anvil, and
#                                       the 2-organisation Fabric network next to its no-op transaction
#   scripts/bench.sh transfer           50 MB over loopback gRPC (plaintext, TLS) next to raw TCP
#   scripts/bench.sh trainer ARGS       DJL training speed and accuracy (see TrainerBench)
#   scripts/bench.sh fedavg [ROUNDS [LOCAL_EPOCHS [THREADS [iid|dirichlet=A ...] [SETTING ...]]]]
#                                       10 clients, CNN, IID and Dirichlet(0.5) (defaults 50 1 1);
#                                       SETTING: lr=RATE schedule=cosine|constant validation=FRACTION wd=DECAY
#                                       lr-schedule=constant|cosine (the rate over the rounds) init=kaiming|pytorch
#                                       partition-seed=S (another draw) shard-file=FILE (shards read from FILE)
#                                       strategy=fedavg|fednova loss=softmax|balanced|balanced:TAU (balanced softmax)
#   scripts/bench.sh byzantine [ROUNDS [ARCH]]   2 of 10 clients attack: FedAvg, median, Krum next to clean
#   scripts/bench.sh flower [ROUNDS [LOCAL_EPOCHS [THREADS [iid|dirichlet=A ...] [SETTING ...]]]]
#                                       the same FedAvg runs, then Flower 1.42 + PyTorch on the same
#                                       shards, genesis model and local training; a table of both
#                                       (installs bench/flower/requirements.txt into the torch venv
#                                       of scripts/setup.sh test on first use)
#   scripts/bench.sh lstm [SAMPLES [EPOCHS [THREADS [BATCH]]]]   DJL's training speed for an LSTM
#                                       spec (24 steps x 4 features, 64 hidden; -Dspec=FILE for
#                                       another) next to PyTorch on the same spec, samples and threads
#   scripts/bench.sh pipeline [SAMPLES [BATCH]]   model parallelism: samples/s of 1, 2, 3 stages with
#                                       and without micro-batches (in process, over gRPC) next to one
#                                       node; bytes between stages per step
#   scripts/bench.sh niid-shards [--flower-baseline] SEED FILE [ALPHA [PARTIES]]
#                                       writes NIID-Bench's own Dirichlet shards for its --init_seed SEED
#                                       (numpy's stream), for shard-file=FILE
set -euo pipefail
cd "$(dirname "$0")/.."
export FEDCHAIN_CACHE="${FEDCHAIN_CACHE:-$HOME/.cache/fedchain}"
if [ "${1:-}" = niid-shards ]; then  # Python only: no build
  shift; venv="$FEDCHAIN_CACHE/torch-venv"
  if [ ! -x "$venv/bin/python" ]; then
    echo "bench.sh niid-shards: no PyTorch venv at $venv; run scripts/setup.sh test first" >&2; exit 1
  fi
  exec "$venv/bin/python" bench/flower/niid_bench_shards.py "$@"
fi
mvn -B -q -ntp -DskipTests -Dspotless.check.skip=true -pl bench -am package >&2
export DJL_OFFLINE=true DJL_CACHE_DIR="$FEDCHAIN_CACHE/djl" OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
cp="bench/target/fedchain-bench-0.1.0-SNAPSHOT.jar:$(cat bench/target/classpath.txt)"
case "${1:-}" in
  chain) shift; exec java -cp "$cp" org.fedchain.bench.ChainBench "$@" ;;
  ledger) shift; exec java -Dfedchain.root="$PWD" -cp "$cp" org.fedchain.bench.LedgerBench "$@" ;;
  transfer) shift; exec java -cp "$cp" org.fedchain.bench.TransferBench "$@" ;;
  trainer) shift; exec java -cp "$cp" org.fedchain.bench.TrainerBench "$@" ;;
  lstm)
    n="${2:-4096}" epochs="${3:-3}" threads="${4:-1}" batch="${5:-64}"
    venv="$FEDCHAIN_CACHE/torch-venv"
    work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
    java -cp "$cp" org.fedchain.bench.SpecBench "$work" "$n" "$epochs" "$threads" "$batch"
    OMP_NUM_THREADS="$threads" "$venv/bin/python" bench/spec_speed.py "$work" "$n" "$epochs" "$threads" "$batch"
    ;;
  fedavg) shift; exec java -cp "$cp" org.fedchain.bench.FedAvgBench "$@" ;;
  byzantine) shift; exec java -cp "$cp" org.fedchain.bench.ByzantineBench "$@" ;;
  pipeline) shift; exec java -cp "$cp" org.fedchain.bench.PipelineBench "$@" ;;
  flower)
    rounds="${2:-50}" epochs="${3:-1}" threads="${4:-1}"
    extra=("${@:5}")  # partitions and training settings, as fedavg takes them
    venv="$FEDCHAIN_CACHE/torch-venv"
    if [ ! -x "$venv/bin/python" ]; then
      echo "bench.sh flower: no PyTorch venv at $venv; run scripts/setup.sh test first" >&2; exit 1
    fi
    if ! "$venv/bin/python" -c "from importlib.metadata import version as v; assert v('flwr') == '1.42.0' and v('ray')" 2>/dev/null; then
      echo "bench.sh flower: installing bench/flower/requirements.txt into $venv (once)" >&2
      "$venv/bin/pip" install -q --cache-dir "$FEDCHAIN_CACHE/pip" -r bench/flower/requirements.txt >&2
    fi
    work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
    start=$SECONDS
    java -cp "$cp" org.fedchain.bench.ShardExport "$work/spec" "$epochs" "$threads" "${extra[@]}"
    java -cp "$cp" org.fedchain.bench.FedAvgBench "$rounds" "$epochs" "$threads" "${extra[@]}" | tee "$work/fedchain.log"
    "$venv/bin/python" bench/flower/fedavg_flower.py "$work/spec" "$rounds" | tee "$work/flower.log"
    echo
    "$venv/bin/python" bench/flower/table.py "$work/fedchain.log" "$work/flower.log"
    echo "bench.sh flower: $((SECONDS - start)) s in all (after the build)"
    ;;
  *) echo "usage: scripts/bench.sh chain [updates] | transfer | trainer ARGS | fedavg [ROUNDS [LOCAL_EPOCHS [THREADS]]] | flower [ROUNDS [LOCAL_EPOCHS [THREADS]]] | byzantine [ROUNDS [ARCH]] | pipeline [SAMPLES [BATCH]] | niid-shards SEED FILE" >&2; exit 2 ;;
esac
