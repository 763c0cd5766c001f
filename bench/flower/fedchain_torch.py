"""FedChain's local training written in PyTorch, for the Flower reference benchmark.

Mirrors org.fedchain.trainer.LocalTrainer step for step, so that a Flower client trains exactly as a
FedChain client does:
  - the model is the Architecture's own PyTorch source (Architecture.pytorchSource(), exported by
    ShardExport, the approach of trainer/src/test/python/torch_interop.py), with the same
    state_dict names, loaded from FedChain's genesis safetensors;
  - pixels are float32 x / 255, as Samples.writeFloats;
  - the validation split and batch order come from java.util.Random with the client's seed
    (re-implemented below: the generator and Partition.shuffle's Fisher-Yates are fixed by the
    Java specification), checked against the IID shards Java wrote;
  - the loss is DJL's SoftmaxCrossEntropyLoss (log_softmax, pick the label, negate, mean), on
    logits offset by tau * log(max(n_c, 1e-12) / n) in float32 with `balanced_softmax` = tau (the
    class counts of the client's training samples, LocalTrainer.BalancedSoftmaxLoss);
  - the optimizer is DJL's SGD on libtorch: v = momentum * v + lr * (g + wd * w); w -= v, where wd is
    the weight decay (PyTorch's own SGD
    puts lr outside the velocity, which differs under a changing rate), with DJL's cosine tracker
    lr(k) = base / 2 * (1 + cos(pi * k / T)) in float32 for steps k = 1..T;
  - a round schedule (RoundSchedule, `lr-schedule=cosine`) sets each round's base rate, see
    round_training;
  - test accuracy is the argmax (first maximum) over the 10k test set in batches of 1000.
"""

import functools
import gzip
import json
import math
import os
import time

import numpy as np
import torch
from safetensors.torch import load_file
from torch import nn

MASK48 = (1 << 48) - 1
MULTIPLIER = 0x5DEECE66D


class JavaRandom:
    """java.util.Random: the 48-bit linear congruential generator and nextInt(bound)."""

    def __init__(self, seed):
        self.seed = (seed ^ MULTIPLIER) & MASK48

    def _next(self, bits):
        self.seed = (self.seed * MULTIPLIER + 0xB) & MASK48
        r = self.seed >> (48 - bits)
        return r - (1 << 32) if r >= 1 << 31 else r  # (int) cast: signed 32 bits

    def next_int(self, bound):
        r = self._next(31)
        m = bound - 1
        if bound & m == 0:  # a power of two
            return (bound * r) >> 31
        u = r
        while True:
            r = u % bound
            if u - r + m < (1 << 31):  # Java tests u - r + m < 0 after int overflow
                return r
            u = self._next(31)


def shuffle(a, rng):
    """Partition.shuffle: Fisher-Yates from the end with rng.nextInt(i + 1), in place."""
    for i in range(len(a) - 1, 0, -1):
        j = rng.next_int(i + 1)
        a[i], a[j] = a[j], a[i]


def client_seed(seed, server_round, index):
    """The seed FedAvgFlow.round gives client `index` (0-based) in round `server_round`."""
    return seed * 7919 + server_round * 101 + index


def read_idx(path, magic):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if int.from_bytes(raw[0:4], "big") != magic:
        raise ValueError(f"{path}: not an IDX file with magic {magic:#010x}")
    header = 16 if magic == 0x803 else 8
    return np.frombuffer(raw, dtype=np.uint8, offset=header)


class FashionMnist:
    """The four IDX .gz files FedChain reads (Debian's dataset-fashion-mnist)."""

    def __init__(self, data_dir):
        def pair(prefix):
            x = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"), 0x803)
            y = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"), 0x801)
            # float32 x / 255 computed by numpy, an exactly rounded division as in Java
            x = (x.astype(np.float32) / np.float32(255)).reshape(-1, 1, 28, 28)
            return torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))

        self.train_x, self.train_y = pair("train")
        self.test_x, self.test_y = pair("t10k")


class Spec:
    """What ShardExport wrote: shards, genesis model, architecture and training settings."""

    def __init__(self, spec_dir):
        with open(os.path.join(spec_dir, "spec.json")) as f:
            s = json.load(f)
        self.dir = spec_dir
        self.raw = s
        self.clients = s["clients"]
        self.training = s["training"]
        self.source = s["pytorch_source"]
        self.genesis_path = os.path.join(spec_dir, s["genesis"])
        self.data_dir = s["data_dir"]
        self.partitions = {p["name"]: p for p in s["partitions"]}

    def shards(self, partition):
        return self.partitions[partition]["shards"]

    def check_random(self):
        """Our JavaRandom + shuffle must rebuild Java's IID shards from the partition seed."""
        iid = [p for p in self.raw["partitions"] if p["dirichlet_alpha"] == 0]
        perm = list(range(self.raw["train_size"]))
        shuffle(perm, JavaRandom(self.raw["partition_seed"]))
        n = self.clients
        total = len(perm)
        start, rebuilt = 0, []
        for s in range(n):
            size = total // n + (1 if s < total % n else 0)
            rebuilt.append(perm[start:start + size])
            start += size
        if iid and rebuilt != iid[0]["shards"]:
            raise AssertionError("JavaRandom does not reproduce Partition.iid: fix fedchain_torch.py")


@functools.lru_cache(maxsize=None)
def spec_at(spec_dir):
    """The spec, read once per process (a Ray actor trains many clients)."""
    return Spec(spec_dir)


@functools.lru_cache(maxsize=None)
def data_at(data_dir):
    """Fashion-MNIST, read once per process."""
    return FashionMnist(data_dir)


def new_model(source):
    return eval(source, {"nn": nn})  # Architecture.pytorchSource(), as torch_interop.py does


def genesis_state(spec):
    return load_file(spec.genesis_path)


def djl_loss(logits, labels):
    """DJL's SoftmaxCrossEntropyLoss with sparse labels: mean of -log_softmax picked at the label."""
    return logits.log_softmax(1).gather(1, labels[:, None]).neg().mean()


def cosine_lr(base, k, total):
    """DJL's CosineTracker (final value 0), float arithmetic as in Java."""
    if k > total:
        return np.float32(0)
    half = np.float32(base) / np.float32(2)
    return half * (np.float32(1) + np.float32(math.cos(math.pi * k / total)))


def round_training(cfg, server_round, rounds):
    """The local training settings of round `server_round` of `rounds`: RoundSchedule.rate in
    double arithmetic from the float32 base rate, rounded to float32 as Java's cast does."""
    schedule = cfg.get("round_schedule", "CONSTANT")
    if schedule == "CONSTANT":
        return cfg
    if schedule != "COSINE":
        raise ValueError(f"unknown round schedule {schedule}")
    base = float(np.float32(cfg["learning_rate"]))
    rate = np.float32(base * 0.5 * (1 + math.cos(math.pi * (server_round - 1) / rounds)))
    return dict(cfg, learning_rate=float(rate))


def local_train(model, x, y, cfg, seed):
    """LocalTrainer.train on samples (x, y) from the model's current weights; returns
    (trained samples, steps, mean loss of the last epoch, seconds)."""
    if cfg["optimizer"] != "SGD" or cfg["schedule"] not in ("COSINE", "CONSTANT"):
        raise ValueError(f"only SGD with COSINE/CONSTANT is mirrored, got {cfg}")
    n = x.shape[0]
    rng = JavaRandom(seed)
    order = list(range(n))
    shuffle(order, rng)
    validation = math.floor(n * cfg["validation_fraction"])
    train_idx = order[validation:]
    batch = cfg["batch_size"]
    steps_per_epoch = (len(train_idx) + batch - 1) // batch
    total = steps_per_epoch * cfg["epochs"]
    base = np.float32(cfg["learning_rate"])
    momentum = float(np.float32(cfg["momentum"]))
    decay = float(np.float32(cfg.get("weight_decay", 0.0)))
    tau = float(np.float32(cfg.get("balanced_softmax", 0)))  # older specs: true for tau 1
    if tau:
        counts = torch.bincount(y[torch.tensor(train_idx)], minlength=10).float()
        offsets = torch.log(counts.clamp(min=1e-12) / len(train_idx)) * tau
    else:
        offsets = None
    params = list(model.parameters())
    velocity = [torch.zeros_like(p) for p in params]
    model.train()
    t0 = time.perf_counter()
    step, epoch_loss = 0, 0.0
    for _ in range(cfg["epochs"]):
        shuffle(train_idx, rng)
        epoch_loss = 0.0
        for start in range(0, len(train_idx), batch):
            idx = torch.tensor(train_idx[start:start + batch])
            step += 1
            lr = float(cosine_lr(base, step, total) if cfg["schedule"] == "COSINE" else base)
            logits = model(x[idx])
            loss = djl_loss(logits if offsets is None else logits + offsets, y[idx])
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p, v in zip(params, velocity):
                    v.mul_(momentum).add_(p.grad.add(p, alpha=decay).mul(lr))
                    p.sub_(v)
            epoch_loss += loss.item()
    return len(train_idx), step, epoch_loss / steps_per_epoch, time.perf_counter() - t0


@torch.no_grad()
def accuracy(model, x, y, batch=1000):
    model.eval()
    correct = 0
    for start in range(0, x.shape[0], batch):
        correct += (model(x[start:start + batch]).argmax(1) == y[start:start + batch]).sum().item()
    return correct / x.shape[0]
