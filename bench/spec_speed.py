# PyTorch's side of `scripts/bench.sh lstm`: trains the spec SpecBench wrote (built by
# trainer/src/test/python/spec_torch.py from the spec alone, started from the same model file) on the
# same samples, batch, optimizer (SGD, lr 0.05, momentum 0.9, constant) and thread count, with one
# untimed warm-up epoch, and prints its samples/s in SpecBench's format.
# Usage: spec_speed.py DIR SAMPLES EPOCHS THREADS BATCH
import json, os, sys, time
import numpy as np
import torch
from safetensors.torch import load_file

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "trainer", "src", "test", "python"))
import spec_torch  # noqa: E402

d, n, epochs, threads, batch = sys.argv[1], *map(int, sys.argv[2:6])
torch.set_num_threads(threads)
spec = json.load(open(os.path.join(d, "spec.json")))
x = torch.from_numpy(np.fromfile(os.path.join(d, "x.f32"), "<f4").reshape(n, *spec["input"]).copy())
y = torch.from_numpy(np.fromfile(os.path.join(d, "y.f32"), "<f4").reshape(n, 1).copy())


def run(epochs):
    model = spec_torch.build(spec)
    model.load_state_dict(load_file(os.path.join(d, "start.safetensors")), strict=True)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = torch.nn.MSELoss()
    g = torch.Generator().manual_seed(1)
    t0 = time.perf_counter()
    total = 0.0
    for _ in range(epochs):
        order = torch.randperm(n, generator=g)
        total = 0.0
        for i in range(0, n, batch):
            idx = order[i:i + batch]
            opt.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            opt.step()
            total += loss.item()
    return time.perf_counter() - t0, total / ((n + batch - 1) // batch)


run(1)  # warm-up
seconds, loss = run(epochs)
print(f"pytorch {spec.get('name', 'spec')} samples {n} batch {batch} epochs {epochs} threads {threads} "
      f"seconds {seconds:.2f} samples_per_s {n * epochs / seconds:.0f} loss {loss:.5f} (torch {torch.__version__})")
