"""Self-test of spec_torch.py: python trainer/src/test/python/test_spec_torch.py"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch
from safetensors.torch import save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spec_torch  # noqa: E402

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "spec_torch.py")

MLP = {"format": "fedchain-model/1", "name": "fmnist-mlp/1", "input": [1, 28, 28], "output": 10,
       "layers": [{"type": "flatten"}, {"type": "dense", "out": 256}, {"type": "relu"},
                  {"type": "dense", "out": 128}, {"type": "relu"}, {"type": "dense", "out": 10}]}
CNN = {"format": "fedchain-model/1", "name": "fmnist-cnn/1", "input": [1, 28, 28], "output": 10,
       "layers": [{"type": "conv2d", "out": 6, "kernel": 5}, {"type": "relu"},
                  {"type": "maxpool2d", "kernel": 2},
                  {"type": "conv2d", "out": 16, "kernel": 5}, {"type": "relu"},
                  {"type": "maxpool2d", "kernel": 2}, {"type": "flatten"},
                  {"type": "dense", "out": 120}, {"type": "relu"},
                  {"type": "dense", "out": 84}, {"type": "relu"}, {"type": "dense", "out": 10}]}
LSTM = {"format": "fedchain-model/1", "input": [12, 3], "output": 1,
        "layers": [{"type": "lstm", "hidden": 32, "layers": 2, "last": True},
                   {"type": "dense", "out": 1}]}
# [C=4, L=30] -> conv1d [8, 15] -> batchnorm1d -> relu -> avgpool1d [8, 7] -> gru over 8 steps
# of 7 features (the format has no transpose, so conv channels become time steps) -> [16]
CONV_GRU = {"format": "fedchain-model/1", "input": [4, 30], "output": 3,
            "layers": [{"type": "conv1d", "out": 8, "kernel": 3, "stride": 2, "padding": 1},
                       {"type": "batchnorm1d"}, {"type": "relu"},
                       {"type": "avgpool1d", "kernel": 2},
                       {"type": "gru", "hidden": 16, "layers": 1, "last": True},
                       {"type": "dropout", "p": 0.25}, {"type": "dense", "out": 3}]}
EMBED = {"format": "fedchain-model/1", "input": [10], "inputType": "int", "output": 5,
         "layers": [{"type": "embedding", "vocab": 50, "dim": 6},
                    {"type": "gru", "hidden": 8, "layers": 2, "last": False},
                    {"type": "flatten"}, {"type": "dense", "out": 5}]}
NESTED = {"format": "fedchain-model/1", "input": [3, 8, 8], "output": 4,
          "layers": [{"type": "conv2d", "out": 5, "kernel": 3, "padding": 1},
                     {"type": "batchnorm2d", "eps": 1e-3, "momentum": 0.05},
                     {"type": "sequential", "layers": [
                         {"type": "maxpool2d", "kernel": 3, "stride": 2},
                         {"type": "sequential", "layers": [{"type": "flatten"},
                                                           {"type": "dense", "out": 7}]},
                         {"type": "gelu"}]},
                     {"type": "dense", "out": 4, "bias": False}, {"type": "leaky_relu"}]}
ALL = [MLP, CNN, LSTM, CONV_GRU, EMBED, NESTED]


def _shapes(spec):
    return dict(spec_torch.shapes(spec))


def _randomise(module):
    """Random batch-norm statistics, so that eval() mode really matters. The parameters keep
    PyTorch's initialisation: it keeps outputs of order 1, where an absolute 1e-5 is many ulps."""
    g = torch.Generator().manual_seed(1)
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if "running_mean" in name:
                t.copy_(torch.randn(t.shape, generator=g) * 0.3)
            elif "running_var" in name:
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)
            elif "num_batches_tracked" in name:
                t.fill_(7)


def _inputs(spec, n=9):
    g = torch.Generator().manual_seed(2)
    if spec.get("inputType") == "int":
        vocab = spec["layers"][0]["vocab"]
        return torch.randint(0, vocab, (n, *spec["input"]), generator=g)
    return torch.randn((n, *spec["input"]), generator=g)


class SpecTorchTest(unittest.TestCase):
    def test_mlp_names(self):
        self.assertEqual(spec_torch.shapes(MLP), [
            ("1.weight", (256, 784)), ("1.bias", (256,)), ("3.weight", (128, 256)),
            ("3.bias", (128,)), ("5.weight", (10, 128)), ("5.bias", (10,))])

    def test_cnn_names(self):
        self.assertEqual(spec_torch.shapes(CNN), [
            ("0.weight", (6, 1, 5, 5)), ("0.bias", (6,)), ("3.weight", (16, 6, 5, 5)),
            ("3.bias", (16,)), ("7.weight", (120, 256)), ("7.bias", (120,)),
            ("9.weight", (84, 120)), ("9.bias", (84,)), ("11.weight", (10, 84)),
            ("11.bias", (10,))])

    def test_lstm_names(self):
        self.assertEqual(spec_torch.shapes(LSTM), [
            ("0.weight_ih_l0", (128, 3)), ("0.weight_hh_l0", (128, 32)),
            ("0.bias_ih_l0", (128,)), ("0.bias_hh_l0", (128,)),
            ("0.weight_ih_l1", (128, 32)), ("0.weight_hh_l1", (128, 32)),
            ("0.bias_ih_l1", (128,)), ("0.bias_hh_l1", (128,)),
            ("1.weight", (1, 32)), ("1.bias", (1,))])

    def test_defaults(self):
        # lstm/gru: layers 1, last true; pool stride = kernel; dense bias true
        spec = dict(LSTM, layers=[{"type": "gru", "hidden": 5}, {"type": "dense", "out": 1}])
        module, shape = spec_torch.infer(spec)
        self.assertEqual((module[0].num_layers, module[0].last, shape), (1, True, (1,)))
        self.assertEqual(_shapes(spec)["0.weight_ih_l0"], (15, 3))
        self.assertEqual(spec_torch.infer(dict(CNN, layers=CNN["layers"][:3], output=12))[1],
                         (6, 12, 12))

    def test_conv1d_batchnorm_gru_names(self):
        self.assertEqual(spec_torch.shapes(CONV_GRU), [
            ("0.weight", (8, 4, 3)), ("0.bias", (8,)),
            ("1.weight", (8,)), ("1.bias", (8,)), ("1.running_mean", (8,)),
            ("1.running_var", (8,)), ("1.num_batches_tracked", ()),
            ("4.weight_ih_l0", (48, 7)), ("4.weight_hh_l0", (48, 16)),
            ("4.bias_ih_l0", (48,)), ("4.bias_hh_l0", (48,)),
            ("6.weight", (3, 16)), ("6.bias", (3,))])

    def test_embedding_names(self):
        self.assertEqual(_shapes(EMBED), {
            "0.weight": (50, 6),
            "1.weight_ih_l0": (24, 6), "1.weight_hh_l0": (24, 8),
            "1.bias_ih_l0": (24,), "1.bias_hh_l0": (24,),
            "1.weight_ih_l1": (24, 8), "1.weight_hh_l1": (24, 8),
            "1.bias_ih_l1": (24,), "1.bias_hh_l1": (24,),
            "3.weight": (5, 80), "3.bias": (5,)})

    def test_nested_names(self):
        # conv pads to [5, 8, 8]; maxpool 3 stride 2 -> [5, 3, 3] -> flatten 45
        self.assertEqual(list(_shapes(NESTED)), [
            "0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
            "1.num_batches_tracked", "2.1.1.weight", "2.1.1.bias", "3.weight"])
        self.assertEqual(_shapes(NESTED)["2.1.1.weight"], (7, 45))
        self.assertEqual(_shapes(NESTED)["3.weight"], (4, 7))

    def test_tracked_shape_matches_torch(self):
        # The hand-written shape rules must agree with what the modules really output.
        for spec in ALL:
            module, shape = spec_torch.infer(spec)
            with torch.no_grad():
                out = module.eval()(_inputs(spec, 2))
            self.assertEqual(tuple(out.shape), (2, *shape), spec)

    def test_names_mode(self):
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "spec.json")
            for spec, lines in [(CNN, ["0.weight float32 [6, 1, 5, 5]", "11.bias float32 [10]"]),
                                (CONV_GRU, ["1.num_batches_tracked int64 []",
                                            "4.weight_ih_l0 float32 [48, 7]"])]:
                with open(path, "w") as f:
                    json.dump(spec, f)
                out = self._run("--names", path)
                self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
                for line in lines:
                    self.assertIn(line, out.stdout.splitlines())

    def test_round_trip(self):
        for spec in ALL:
            with self.subTest(spec=json.dumps(spec)[:60]), tempfile.TemporaryDirectory() as d:
                paths = self._write(d, spec)
                ok = self._run(*paths)
                self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
                self.assertRegex(ok.stdout, r"^max_abs_diff \S+ n 9\n$")

                expected = np.fromfile(paths[3], "<f4")
                expected[expected.size // 2] += 1e-3
                expected.tofile(paths[3])
                bad = self._run(*paths)
                self.assertEqual(bad.returncode, 1, bad.stdout + bad.stderr)
                self.assertIn("FAIL", bad.stdout)

    def test_state_dict_mismatch(self):
        with tempfile.TemporaryDirectory() as d:
            paths = self._write(d, LSTM)
            state = {k.replace("_l1", "_l9"): v for k, v in
                     _load(paths[1]).items() if k != "1.bias"}
            save_file(state, paths[1])
            out = self._run(*paths)
            self.assertEqual(out.returncode, 1)
            self.assertIn("missing keys ['0.weight_ih_l1'", out.stdout)
            self.assertIn("'1.bias']", out.stdout)
            unexpected = out.stdout.split("unexpected keys")[1]
            for key in ("0.weight_ih_l9", "0.weight_hh_l9", "0.bias_ih_l9", "0.bias_hh_l9"):
                self.assertIn(f"'{key}'", unexpected)

    def test_bad_specs(self):
        def error(spec_or_layers):
            spec = spec_or_layers if isinstance(spec_or_layers, dict) else dict(
                MLP, layers=spec_or_layers)
            with self.assertRaises(ValueError) as e:
                spec_torch.build(spec)
            return str(e.exception)

        self.assertIn("layer 2: unknown layer type 'softmax'",
                      error([{"type": "flatten"}, {"type": "dense", "out": 10},
                             {"type": "softmax"}]))
        self.assertIn("layer 1.0: unknown layer type 'conv3d'",
                      error([{"type": "flatten"},
                             {"type": "sequential", "layers": [{"type": "conv3d"}]}]))
        self.assertIn("layer 1 (dense): missing field 'out'",
                      error([{"type": "flatten"}, {"type": "dense"}]))
        self.assertIn("layer 0 (conv2d): field 'kernel' must be an integer",
                      error([{"type": "conv2d", "out": 4, "kernel": 5.0}]))
        self.assertIn("layer 0 (conv2d): unknown field(s) ['kernal']",
                      error([{"type": "conv2d", "out": 4, "kernal": 5}]))
        self.assertIn("layer 0 (dense)", error([{"type": "dense", "out": 10, "bias": 1}]))
        self.assertIn("layer 0 (lstm): needs a per-sample input of rank 2",
                      error([{"type": "lstm", "hidden": 4}]))
        self.assertIn("layer 0 (lstm): missing field 'hidden'",
                      error(dict(LSTM, layers=[{"type": "lstm"}])))
        self.assertIn("layer 0 (conv2d): kernel 29 does not fit",
                      error([{"type": "conv2d", "out": 4, "kernel": 29}]))
        self.assertIn("layer 0 (embedding): needs integer token ids",
                      error([{"type": "embedding", "vocab": 3, "dim": 2}]))
        self.assertIn("layer 0 (flatten): gets integer token ids",
                      error(dict(EMBED, layers=[{"type": "flatten"}])))
        self.assertIn("output is 10 but the layers end with shape [784]",
                      error([{"type": "flatten"}]))
        self.assertIn("format", error(dict(MLP, format="fedchain-model/2")))

    # ---- helpers ---------------------------------------------------------------------------------

    def _write(self, d, spec):
        """spec.json, model.safetensors, inputs.f32, expected.f32 with torch's own outputs."""
        module = spec_torch.build(spec)
        _randomise(module)
        module.eval()
        x = _inputs(spec)
        with torch.no_grad():
            y = module(x)
        paths = [os.path.join(d, n) for n in
                 ("spec.json", "model.safetensors", "inputs.f32", "expected.f32")]
        with open(paths[0], "w") as f:
            json.dump(spec, f)
        save_file(module.state_dict(), paths[1])
        x.float().numpy().astype("<f4").tofile(paths[2])
        y.numpy().astype("<f4").tofile(paths[3])
        return paths

    def _run(self, *args):
        return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True)


def _load(path):
    from safetensors.torch import load_file
    return load_file(path)


if __name__ == "__main__":
    torch.set_num_threads(1)  # as the CLI does, so both sides sum in the same order
    unittest.main(verbosity=2)
