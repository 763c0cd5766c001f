"""Writes the Dirichlet shards NIID-Bench itself trains on, for FedChain and Flower to train on too.

    python niid_bench_shards.py [--flower-baseline] SEED OUT_FILE [ALPHA=0.5] [PARTIES=10] [DATA_DIR]

NIID-Bench (Li et al., "Federated Learning on Non-IID Data Silos", ICDE 2022) reports the mean of
three trials, `--init_seed` 0, 1 and 2; the seed goes to numpy's global generator before the
partition is drawn, so its shards are numpy's legacy RandomState stream and cannot come from
FedChain's own Partition.dirichlet (java.util.Random). Its "noniid-labeldir" scheme, in our words:
for each class in label order, shuffle that class's sample indices, draw party proportions from
Dirichlet(ALPHA), zero those of parties already holding N / PARTIES samples, renormalise, and cut the
class at the cumulative proportions (truncated to whole samples); redraw all classes until every
party has at least 10 samples; finally shuffle each party's list. The Fashion-MNIST labels are the
IDX file FedChain reads, in file order (torchvision's order).

--flower-baseline draws the shards of Flower's port of NIID-Bench (flower/baselines/niid_bench), whose
README table is the reference our goals quote. Same scheme, but from numpy's newer Generator
(`default_rng(SEED)`, PCG64), and each party's list is left in class order (its loader shuffles every
epoch, as FedChain's does). Its runs always use seed 42: its `dataset_seed` setting never reaches the
partition.

OUT_FILE gets one line per party, its sample indices separated by spaces: the form FedChain's
`--data fashion-mnist:K/N:shards=FILE` and `scripts/bench.sh fedavg|flower ... shard-file=FILE` read.
"""
import gzip
import os
import sys

import numpy as np

DEFAULT_DATA_DIR = "/usr/share/datasets/fashion-mnist"  # the Debian package, as FashionMnist.java
MIN_SHARD = 10


def labels(data_dir):
    with gzip.open(os.path.join(data_dir, "train-labels-idx1-ubyte.gz")) as f:
        raw = f.read()
    if int.from_bytes(raw[:4], "big") != 0x801:
        raise SystemExit(f"{data_dir}: train-labels-idx1-ubyte.gz is not an IDX label file")
    return np.frombuffer(raw, np.uint8, offset=8).astype(np.int64)


def shards(y, parties, alpha, seed, flower_baseline=False):
    # NIID-Bench seeds numpy's global legacy generator, which streams as a RandomState(seed) does
    rng = np.random.default_rng(seed) if flower_baseline else np.random.RandomState(seed)
    n = len(y)
    smallest = 0
    while smallest < MIN_SHARD:
        parts = [[] for _ in range(parties)]
        for k in range(10):
            idx = np.where(y == k)[0]
            rng.shuffle(idx)
            p = rng.dirichlet(np.repeat(alpha, parties))
            p = np.array([q * (len(part) < n / parties) for q, part in zip(p, parts)])
            cuts = (np.cumsum(p / p.sum()) * len(idx)).astype(int)[:-1]
            parts = [part + piece.tolist() for part, piece in zip(parts, np.split(idx, cuts))]
            smallest = min(len(part) for part in parts)
    if not flower_baseline:
        for part in parts:
            rng.shuffle(part)
    return parts


def main():
    args = sys.argv[1:]
    flower_baseline = bool(args) and args[0] == "--flower-baseline"
    if flower_baseline:
        args = args[1:]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        seed, out = int(args[0]), args[1]
        alpha = float(args[2]) if len(args) > 2 else 0.5
        parties = int(args[3]) if len(args) > 3 else 10
    except ValueError as e:
        raise SystemExit(f"niid_bench_shards.py: SEED and PARTIES are whole numbers, ALPHA a number ({e})")
    if not (alpha > 0 and parties >= 1):
        raise SystemExit("niid_bench_shards.py: ALPHA must be positive and PARTIES at least 1")
    y = labels(args[4] if len(args) > 4 else DEFAULT_DATA_DIR)
    parts = shards(y, parties, alpha, seed, flower_baseline)
    with open(out, "w") as f:
        for part in parts:
            f.write(" ".join(map(str, part)) + "\n")
    for i, part in enumerate(parts):
        counts = np.bincount(y[part], minlength=10) / len(part)
        nz = counts[counts > 0]
        print(f"party {i + 1}: {len(part)} samples, {np.exp(-(nz * np.log(nz)).sum()):.2f} effective classes")


if __name__ == "__main__":
    main()
