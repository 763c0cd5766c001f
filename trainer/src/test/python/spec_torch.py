"""PyTorch reference for FedChain model specs (format "fedchain-model/1").

Builds the torch.nn module a spec describes, so that a safetensors file written by the Java trainer
loads into it with load_state_dict(strict=True) and gives the same outputs.

Usage:
  spec_torch.py SPEC.json MODEL.safetensors INPUTS.f32 EXPECTED.f32
      INPUTS.f32 is little-endian float32 [n, *spec["input"]] (whole numbers, cast to int64, when
      inputType is "int"); EXPECTED.f32 is the Java outputs [n, ...]. Prints
      "max_abs_diff X n N"; exits 0 if X <= 1e-5, else 1.
  spec_torch.py --names SPEC.json
      Prints the module's state_dict entries, one per line: "name dtype [shape]".
"""
import json
import math
import sys

import torch
from torch import nn

FORMAT = "fedchain-model/1"
TOLERANCE = 1e-5
REQUIRED = object()


# ---- field checks: each returns the value or raises ValueError with the reason ------------------

def _int(minimum):
    def check(v):
        # bool is an int in Python; 5.0 is rejected rather than silently truncated.
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            raise ValueError(f"must be an integer >= {minimum}, got {v!r}")
        return v
    return check


def _number(low=-math.inf, high=math.inf, low_open=False):
    def check(v):
        # JSON canonical form writes 0.0 as 0, so whole numbers must be accepted here.
        ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        if not ok or v > high or v < low or (low_open and v == low):
            bracket = "(" if low_open else "["
            raise ValueError(f"must be a number in {bracket}{low}, {high}], got {v!r}")
        return float(v)
    return check


def _bool(v):
    if not isinstance(v, bool):
        raise ValueError(f"must be true or false, got {v!r}")
    return v


def _layer_list(v):
    if not isinstance(v, list) or not v:
        raise ValueError(f"must be a non-empty list of layers, got {v!r}")
    return v


POS, NONNEG = _int(1), _int(0)
_CONV = {"out": (POS, REQUIRED), "kernel": (POS, REQUIRED), "stride": (POS, 1), "padding": (NONNEG, 0)}
_POOL = {"kernel": (POS, REQUIRED), "stride": (POS, None)}  # stride None = kernel
_NORM = {"eps": (_number(0, low_open=True), 1e-5), "momentum": (_number(0, 1), 0.1)}
# The format writes "layers":L as a letter but gives no default; 1 is PyTorch's (and Java's).
_RNN = {"hidden": (POS, REQUIRED), "layers": (POS, 1), "last": (_bool, True)}

# type -> {field: (check, default)}. Fields written with a value in the format (stride 1, bias
# true, last true, ...) are defaults; those written as letters are required unless stated.
FIELDS = {
    "dense": {"out": (POS, REQUIRED), "bias": (_bool, True)},
    "conv1d": _CONV, "conv2d": _CONV,
    "maxpool1d": _POOL, "maxpool2d": _POOL, "avgpool1d": _POOL, "avgpool2d": _POOL,
    "batchnorm1d": _NORM, "batchnorm2d": _NORM,
    "dropout": {"p": (_number(0, 1), 0.5)},
    "flatten": {},
    "mean": {"axis": (NONNEG, REQUIRED)},
    "embedding": {"vocab": (POS, REQUIRED), "dim": (POS, REQUIRED)},
    "lstm": _RNN, "gru": _RNN,
    "relu": {}, "tanh": {}, "sigmoid": {}, "gelu": {},
    "leaky_relu": {"slope": (_number(), 0.01)},
    "sequential": {"layers": (_layer_list, REQUIRED)},
}


def _fields(where, layer):
    """The layer's fields with defaults filled in; unknown keys are errors (a typo such as
    "kernal" would otherwise be ignored while still changing the spec's hash)."""
    if not isinstance(layer, dict):
        raise ValueError(f"{where}: must be a JSON object, got {layer!r}")
    kind = layer.get("type")
    if kind not in FIELDS:
        raise ValueError(f"{where}: unknown layer type {kind!r}")
    where = f"{where} ({kind})"
    unknown = sorted(set(layer) - set(FIELDS[kind]) - {"type"})
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {unknown}")
    out = {}
    for name, (check, default) in FIELDS[kind].items():
        if name not in layer:
            if default is REQUIRED:
                raise ValueError(f"{where}: missing field {name!r}")
            out[name] = default
            continue
        try:
            out[name] = check(layer[name])
        except ValueError as e:
            raise ValueError(f"{where}: field {name!r} {e}") from None
    return kind, where, out


# ---- recurrent layers ----------------------------------------------------------------------------

class _OutputOnly:
    """Mixin for nn.LSTM / nn.GRU: batch_first, returns only the output (every step, or the last
    one). A subclass rather than a wrapper so state_dict names stay "k.weight_ih_l0", not
    "k.rnn.weight_ih_l0"."""

    def __init__(self, inp, hidden, layers, last):
        super().__init__(inp, hidden, num_layers=layers, batch_first=True)
        self.last = last

    def forward(self, x):
        out, _ = super().forward(x)
        return out[:, -1, :] if self.last else out

    def extra_repr(self):
        return super().extra_repr() + f", last={self.last}"


class Mean(nn.Module):
    """The average over one axis of each sample (axis 0 is the sample's first, after the batch)."""

    def __init__(self, axis):
        super().__init__()
        self.axis = axis

    def forward(self, x):
        return x.mean(dim=self.axis + 1)


class LSTM(_OutputOnly, nn.LSTM):
    pass


class GRU(_OutputOnly, nn.GRU):
    pass


# ---- building with per-sample shape tracking -----------------------------------------------------

def _out_len(where, length, kernel, stride, padding=0):
    n = (length + 2 * padding - kernel) // stride + 1
    if n < 1:
        raise ValueError(f"{where}: kernel {kernel} does not fit input length {length} "
                         f"(padding {padding})")
    return n


def _rank(where, shape, *ranks):
    if len(shape) not in ranks:
        want = " or ".join(f"rank {r}" for r in ranks)
        raise ValueError(f"{where}: needs a per-sample input of {want}, got shape {list(shape)}")


def _layer(kind, where, f, shape):
    """One layer's module and its per-sample output shape (shape excludes the batch dimension)."""
    if kind == "dense":  # nn.Linear acts on the last dimension, whatever the rank
        return nn.Linear(shape[-1], f["out"], bias=f["bias"]), shape[:-1] + (f["out"],)
    if kind in ("conv1d", "conv2d"):
        dims = 1 if kind == "conv1d" else 2
        _rank(where, shape, dims + 1)  # [C, L] or [C, H, W]
        conv = nn.Conv1d if dims == 1 else nn.Conv2d
        k, s, p = f["kernel"], f["stride"], f["padding"]
        sizes = tuple(_out_len(where, n, k, s, p) for n in shape[1:])
        return conv(shape[0], f["out"], k, stride=s, padding=p), (f["out"],) + sizes
    if kind in ("maxpool1d", "maxpool2d", "avgpool1d", "avgpool2d"):
        dims = int(kind[-2])
        _rank(where, shape, dims + 1)
        k = f["kernel"]
        s = k if f["stride"] is None else f["stride"]
        pool = {"maxpool1d": nn.MaxPool1d, "maxpool2d": nn.MaxPool2d,
                "avgpool1d": nn.AvgPool1d, "avgpool2d": nn.AvgPool2d}[kind]
        return pool(k, s), shape[:1] + tuple(_out_len(where, n, k, s) for n in shape[1:])
    if kind == "batchnorm1d":  # [C] or [C, L]
        _rank(where, shape, 1, 2)
        return nn.BatchNorm1d(shape[0], eps=f["eps"], momentum=f["momentum"]), shape
    if kind == "batchnorm2d":
        _rank(where, shape, 3)
        return nn.BatchNorm2d(shape[0], eps=f["eps"], momentum=f["momentum"]), shape
    if kind == "flatten":
        return nn.Flatten(), (math.prod(shape),)
    if kind == "mean":  # the average over one axis of a sample, which goes away
        if f["axis"] >= len(shape) or len(shape) < 2:
            raise ValueError(f"{where}: axis {f['axis']} of a sample of shape {list(shape)}")
        return Mean(f["axis"]), shape[:f["axis"]] + shape[f["axis"] + 1:]
    if kind == "embedding":  # ids of any shape -> shape + [D]
        return nn.Embedding(f["vocab"], f["dim"]), shape + (f["dim"],)
    if kind in ("lstm", "gru"):  # [T, F] -> [T, H], or [H] when last
        _rank(where, shape, 2)
        rnn = LSTM if kind == "lstm" else GRU
        h = f["hidden"]
        return rnn(shape[1], h, f["layers"], f["last"]), (h,) if f["last"] else (shape[0], h)
    if kind == "dropout":
        return nn.Dropout(f["p"]), shape
    if kind == "leaky_relu":
        return nn.LeakyReLU(f["slope"]), shape
    simple = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU}
    return simple[kind](), shape


def _sequential(layers, shape, ints, prefix):
    """Returns (nn.Sequential, output shape, whether the output is still integer ids)."""
    modules = []
    for i, layer in enumerate(layers):
        kind, where, f = _fields(f"layer {prefix}{i}", layer)
        if kind == "sequential":
            module, shape, ints = _sequential(f["layers"], shape, ints, f"{prefix}{i}.")
        else:
            # Token ids are only meaningful to an embedding, and an embedding needs token ids.
            if ints and kind != "embedding":
                raise ValueError(f"{where}: gets integer token ids; only an embedding takes them")
            if kind == "embedding" and not ints:
                raise ValueError(f"{where}: needs integer token ids (inputType \"int\") as input")
            module, shape = _layer(kind, where, f, shape)
            ints = False
        modules.append(module)
    return nn.Sequential(*modules), shape, ints


def infer(spec):
    """The module a spec describes and its per-sample output shape."""
    if not isinstance(spec, dict):
        raise ValueError("spec: must be a JSON object")
    allowed = {"format", "name", "description", "input", "inputType", "output", "layers"}
    unknown = sorted(set(spec) - allowed)
    if unknown:
        raise ValueError(f"spec: unknown field(s) {unknown}")
    if spec.get("format") != FORMAT:
        raise ValueError(f"spec: format must be {FORMAT!r}, got {spec.get('format')!r}")
    shape = spec.get("input")
    if not isinstance(shape, list) or not shape or not all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape):
        raise ValueError(f"spec: input must be a non-empty list of positive integers, got {shape!r}")
    input_type = spec.get("inputType", "float")
    if input_type not in ("float", "int"):
        raise ValueError(f"spec: inputType must be \"float\" or \"int\", got {input_type!r}")
    try:
        output = POS(spec.get("output"))
        layers = _layer_list(spec.get("layers"))
    except ValueError as e:
        raise ValueError(f"spec: output/layers {e}") from None
    module, shape, ints = _sequential(layers, tuple(shape), input_type == "int", "")
    if ints:
        raise ValueError("spec: the output is still integer ids (no embedding)")
    if shape[-1] != output:
        raise ValueError(f"spec: output is {output} but the layers end with shape {list(shape)}")
    return module, shape


def build(spec):
    """The nn.Sequential a spec describes (freshly initialised, in training mode)."""
    return infer(spec)[0]


def shapes(spec):
    """(state_dict name, shape) of every tensor of the module, in state_dict order."""
    return [(name, tuple(t.shape)) for name, t in build(spec).state_dict().items()]


# ---- command line --------------------------------------------------------------------------------

def _dtype(t):
    return str(t.dtype).removeprefix("torch.")


def _compare(spec, model_path, inputs_path, expected_path):
    import numpy as np
    from safetensors.torch import load_file

    torch.set_num_threads(1)
    model = build(spec)
    state = load_file(model_path)
    want = model.state_dict()
    missing = [k for k in want if k not in state]
    unexpected = [k for k in state if k not in want]
    # load_state_dict would silently cast a float64 tensor, so check dtypes as well as shapes.
    wrong = [f"{k}: file {_dtype(state[k])} {list(state[k].shape)}, "
             f"module {_dtype(t)} {list(t.shape)}"
             for k, t in want.items()
             if k in state and (state[k].dtype != t.dtype or state[k].shape != t.shape)]
    if missing or unexpected or wrong:
        print(f"state dict mismatch: missing keys {missing} unexpected keys {unexpected}")
        for line in wrong:
            print(f"  {line}")
        return 1
    model.load_state_dict(state, strict=True)
    model.eval()

    raw = np.fromfile(inputs_path, "<f4")
    per_sample = math.prod(spec["input"])
    if raw.size == 0 or raw.size % per_sample:
        print(f"inputs: {raw.size} floats is not a positive multiple of {per_sample}")
        return 1
    x = torch.from_numpy(raw.reshape(-1, *spec["input"]).copy())
    if spec.get("inputType", "float") == "int":
        if not np.all(np.isfinite(raw) & (raw == np.round(raw))):
            print("inputs: inputType is int but some inputs are not whole numbers")
            return 1
        x = x.long()
    with torch.no_grad():
        ours = model(x).numpy()
    n = x.shape[0]

    expected = np.fromfile(expected_path, "<f4")
    if expected.size != ours.size:
        print(f"expected: {expected.size} floats, the module gives {list(ours.shape)} = {ours.size}")
        return 1
    expected = expected.reshape(ours.shape)
    diff = np.abs(ours.astype(np.float64) - expected.astype(np.float64))
    worst = float(diff.max())  # NaN if any output is NaN
    print(f"max_abs_diff {worst:.3e} n {n}")
    if worst <= TOLERANCE:  # False for NaN
        return 0
    bad = ~(diff <= TOLERANCE)
    at = np.unravel_index(np.argmax(np.where(np.isnan(diff), np.inf, diff)), diff.shape)
    print(f"FAIL: {int(bad.sum())} of {diff.size} outputs differ by more than {TOLERANCE}; "
          f"worst at {list(map(int, at))}: torch {ours[at]!r} expected {expected[at]!r}")
    return 1


def main(argv):
    try:
        if len(argv) == 2 and argv[0] == "--names":
            for name, t in build(_load_spec(argv[1])).state_dict().items():
                print(f"{name} {_dtype(t)} {list(t.shape)}")
            return 0
        if len(argv) == 4 and not argv[0].startswith("-"):
            return _compare(_load_spec(argv[0]), *argv[1:])
    except ValueError as e:
        print(f"bad spec: {e}")
        return 1
    print(__doc__, file=sys.stderr)
    return 2


def _load_spec(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
