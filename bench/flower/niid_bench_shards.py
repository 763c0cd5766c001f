"""Writes the Dirichlet shards NIID-Bench itself trains on, for FedChain and Flower to train on too.

    python niid_bench_shards.py SEED OUT_FILE [ALPHA=0.5] [PARTIES=10] [DATA_DIR]

NIID-Bench (Li et al., "Federated Learning on Non-IID Data Silos", ICDE 2022) reports the mean of
three trials, `--init_seed` 0, 1 and 2; the seed goes to numpy's global generator before the
partition is drawn, so its shards are numpy's legacy RandomState stream and cannot come from
FedChain's own Partition.dirichlet (java.util.Random). Its "noniid-labeldir" scheme, in our words:
for each class in label order, shuffle that class's sample indices, draw party proportions from
Dirichlet(ALPHA), zero those of parties already holding N / PARTIES samples, renormalise, and cut the
class at the cumulative proportions (truncated to whole samples); redraw all classes until every
party has at least 10 samples; finally shuffle each party's list. The Fashion-MNIST labels are the
IDX file FedChain reads, in file order (torchvision's order).

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


def shards(y, parties, alpha, seed):
    np.random.seed(seed)  # as NIID-Bench's experiments.py does before partition_data
    n = len(y)
    smallest = 0
    while smallest < MIN_SHARD:
        parts = [[] for _ in range(parties)]
        for k in range(10):
            idx = np.where(y == k)[0]
            np.random.shuffle(idx)
            p = np.random.dirichlet(np.repeat(alpha, parties))
            p = np.array([q * (len(part) < n / parties) for q, part in zip(p, parts)])
            cuts = (np.cumsum(p / p.sum()) * len(idx)).astype(int)[:-1]
            parts = [part + piece.tolist() for part, piece in zip(parts, np.split(idx, cuts))]
            smallest = min(len(part) for part in parts)
    for part in parts:
        np.random.shuffle(part)
    return parts


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        seed, out = int(sys.argv[1]), sys.argv[2]
        alpha = float(sys.argv[3]) if len(sys.argv) > 3 else 0.5
        parties = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    except ValueError as e:
        raise SystemExit(f"niid_bench_shards.py: SEED and PARTIES are whole numbers, ALPHA a number ({e})")
    if not (alpha > 0 and parties >= 1):
        raise SystemExit("niid_bench_shards.py: ALPHA must be positive and PARTIES at least 1")
    y = labels(sys.argv[5] if len(sys.argv) > 5 else DEFAULT_DATA_DIR)
    parts = shards(y, parties, alpha, seed)
    with open(out, "w") as f:
        for part in parts:
            f.write(" ".join(map(str, part)) + "\n")
    for i, part in enumerate(parts):
        counts = np.bincount(y[part], minlength=10) / len(part)
        nz = counts[counts > 0]
        print(f"party {i + 1}: {len(part)} samples, {np.exp(-(nz * np.log(nz)).sum()):.2f} effective classes")


if __name__ == "__main__":
    main()
