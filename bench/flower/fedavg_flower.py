"""Flower FedAvg on FedChain's shards: the reference run of `scripts/bench.sh flower`.

10 Flower clients (one per shard written by org.fedchain.bench.ShardExport), all sampled every
round, train the same CNN from the same genesis model with FedChain's local training (see
fedchain_torch.py); Flower's FedAvg (flwr.serverapp.strategy.FedAvg, weighted by the clients'
sample counts) aggregates, or FedNova (below, on FedAvg) when the spec says strategy fednova, and
the server evaluates on the 10k test set after each round.

Runs in Flower's simulation runtime (Ray, in this process) with one actor of one CPU, so the
clients train one after the other with THREADS torch threads, as FedChain's FedAvgRun does.

    python fedavg_flower.py SPEC_DIR ROUNDS [PARTITION ...]     (PARTITION: IID, Dirichlet(0.5))

Prints the test accuracy per round, then one `BENCH {json}` line per partition.
"""

import os

# No phoning home from a benchmark: Flower's telemetry and Ray's usage statistics are off.
os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
# Flower's per-round INFO lines would drown the table; our own line per round remains.
os.environ.setdefault("FLWR_LOG_LEVEL", "WARNING")

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from importlib.metadata import version  # noqa: E402

# Ray passes this process's sys.path to its workers, so the actor imports fedchain_torch as well.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from flwr.app import Array, ArrayRecord, ConfigRecord, Context, Message, MetricRecord, RecordDict  # noqa: E402
from flwr.clientapp import ClientApp  # noqa: E402
from flwr.serverapp import Grid, ServerApp  # noqa: E402
from flwr.serverapp.strategy import FedAvg  # noqa: E402
from flwr.simulation import run_simulation  # noqa: E402

import fedchain_torch as ft  # noqa: E402

client_app = ClientApp()


@client_app.train()
def train(msg: Message, context: Context) -> Message:
    cfg = msg.content["config"]
    spec = ft.spec_at(cfg["spec"])
    data = ft.data_at(spec.data_dir)
    torch.set_num_threads(int(cfg["threads"]))
    index = int(context.node_config["partition-id"])  # 0..9: shard index + 1 in FedChain
    shard = torch.tensor(spec.shards(cfg["partition"])[index])
    model = ft.new_model(spec.source)
    model.load_state_dict(msg.content["arrays"].to_torch_state_dict(), strict=True)
    server_round = int(cfg["server-round"])
    seed = ft.client_seed(spec.training["seed"], server_round, index)
    training = ft.round_training(spec.training, server_round, int(cfg["rounds"]))
    _, steps, loss, seconds = ft.local_train(
        model, data.train_x[shard], data.train_y[shard], training, seed
    )
    metrics = MetricRecord(
        # FedChain weights a client by its whole shard (the held-out 10% included): so do we
        {"num-examples": len(shard), "train-loss": loss, "train-seconds": seconds,
         "steps": steps, "momentum": float(training["momentum"])}
    )
    reply = RecordDict({"arrays": ArrayRecord(model.state_dict()), "metrics": metrics})
    return Message(content=reply, reply_to=msg)


def fednova_normalizer(steps, rho):
    """FedNova's a_i: the effective step count of `steps` SGD steps with momentum rho."""
    if rho == 0:
        return float(steps)
    return (steps - rho * (1 - rho ** steps) / (1 - rho)) / (1 - rho)


class FedNova(FedAvg):
    """NIID-Bench's FedNova on Flower's FedAvg: each client's change from the global model is
    divided by its a_i, the changes are averaged with FedAvg's weights p_i, and the global model
    moves by that average times sum p_i a_i (org.fedchain.trainer.aggregate.Strategies.fedNova)."""

    def configure_train(self, server_round, arrays, config, grid):
        self.global_arrays = arrays.to_numpy_ndarrays()
        self.global_keys = list(arrays.keys())
        return super().configure_train(server_round, arrays, config, grid)

    def aggregate_train(self, server_round, replies):
        valid, _ = self._check_and_log_replies(replies, is_train=True)
        if not valid:
            return None, None
        contents = [m.content for m in valid]
        metrics = [next(iter(c.metric_records.values())) for c in contents]
        n = [float(m["num-examples"]) for m in metrics]
        p = [x / sum(n) for x in n]
        a = [fednova_normalizer(int(m["steps"]), float(m["momentum"])) for m in metrics]
        coeff = sum(pi * ai for pi, ai in zip(p, a))
        step = [np.zeros_like(g, dtype=np.float64) for g in self.global_arrays]
        for c, pi, ai in zip(contents, p, a):
            local = next(iter(c.array_records.values()))
            for k, key in enumerate(self.global_keys):
                # float32 difference, scaled and summed in float64, as Strategies.fedNova does
                diff = self.global_arrays[k] - local[key].numpy()
                step[k] += (coeff * pi / ai) * diff.astype(np.float64)
        arrays = ArrayRecord(
            {key: Array(np.asarray(g - s, dtype=np.float32))
             for key, g, s in zip(self.global_keys, self.global_arrays, step)}
        )
        return arrays, self.train_metrics_aggr_fn(contents, self.weighted_by_key)


def run(spec_dir, rounds, partition, threads):
    """One Flower run on one partition; returns the accuracy after each round and the wall time."""
    spec = ft.spec_at(spec_dir)
    data = ft.data_at(spec.data_dir)
    model = ft.new_model(spec.source)
    acc, stamps = [], []
    server_app = ServerApp()

    def evaluate(server_round, arrays):
        if server_round == 0:  # FedChain does not test the genesis model: neither do we
            stamps.append(time.perf_counter())
            return None
        model.load_state_dict(arrays.to_torch_state_dict(), strict=True)
        a = ft.accuracy(model, data.test_x, data.test_y)
        now = time.perf_counter()
        acc.append(a)
        print(f"{partition:<16} round {server_round:<4} test acc {a:.4f} {now - stamps[-1]:7.1f} s",
              flush=True)
        stamps.append(now)
        return MetricRecord({"accuracy": a})

    @server_app.main()
    def main(grid: Grid, context: Context) -> None:
        strategy = (FedNova if spec.raw.get("strategy") == "fednova" else FedAvg)(
            fraction_train=1.0,
            fraction_evaluate=0.0,
            min_train_nodes=spec.clients,
            min_available_nodes=spec.clients,
        )
        strategy.start(
            grid=grid,
            initial_arrays=ArrayRecord(ft.genesis_state(spec)),
            num_rounds=rounds,
            train_config=ConfigRecord(
                {"spec": spec_dir, "partition": partition, "threads": threads, "rounds": rounds}
            ),
            evaluate_fn=evaluate,
        )

    t0 = time.perf_counter()
    run_simulation(
        server_app=server_app,
        client_app=client_app,
        num_supernodes=spec.clients,
        backend_config={
            # one actor holding the one CPU Ray may use: clients train one at a time
            "client_resources": {"num_cpus": 1, "num_gpus": 0.0},
            "init_args": {
                "num_cpus": 1,
                "num_gpus": 0,
                "object_store_memory": 100 * 1024 * 1024,
                "logging_level": "ERROR",
            },
        },
    )
    wall = time.perf_counter() - t0
    if len(acc) != rounds:
        raise SystemExit(f"Flower finished {len(acc)} of {rounds} rounds on {partition}")
    return acc, wall


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    spec_dir, rounds = os.path.abspath(sys.argv[1]), int(sys.argv[2])
    spec = ft.spec_at(spec_dir)
    spec.check_random()
    # the same spelling as FedAvgBench: iid or dirichlet=ALPHA
    partitions = [
        "IID" if a == "iid" else f"Dirichlet({float(a.split('=', 1)[1])})" if a.startswith("dirichlet=") else a
        for a in sys.argv[3:]
    ] or list(spec.partitions)
    threads = int(spec.training["threads"])
    torch.set_num_threads(threads)
    lines = []
    for partition in partitions:
        acc, wall = run(spec_dir, rounds, partition, threads)
        lines.append(
            {
                "system": "Flower",
                "partition": partition,
                "strategy": spec.raw.get("strategy", "fedavg"),
                "rounds": rounds,
                "local_epochs": spec.training["epochs"],
                "threads": threads,
                "final_acc": acc[-1],
                "best_acc": max(acc),
                "wall_s": wall,
                "versions": {"flwr": version("flwr"), "ray": version("ray"), "torch": torch.__version__},
                "acc": acc,
            }
        )
    for line in lines:
        print("BENCH " + json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
