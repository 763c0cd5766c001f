# Loads a FedChain model file into the same architecture written in PyTorch and compares logits.
# Usage: python torch_interop.py MODEL.safetensors ARCH_SOURCE.py IMAGES.f32 LOGITS.f32
#   ARCH_SOURCE.py holds an nn.Sequential(...) expression (Architecture.pytorchSource()),
#   IMAGES.f32 is [100,1,28,28] float32 little-endian, LOGITS.f32 is DJL's [100,10] float32.
# Prints "max_abs_diff <value>" and exits 1 if it exceeds 1e-5 or the state dict does not match.
import sys
import numpy as np
import torch
from torch import nn
from safetensors.torch import load_file

model_path, source_path, images_path, logits_path = sys.argv[1:5]
model = eval(open(source_path).read(), {"nn": nn})
model.load_state_dict(load_file(model_path), strict=True)  # every tensor name and shape must match
model.eval()
x = torch.from_numpy(np.fromfile(images_path, "<f4").reshape(-1, 1, 28, 28).copy())
djl = np.fromfile(logits_path, "<f4").reshape(x.shape[0], -1)
with torch.no_grad():
    ours = model(x).numpy()
diff = float(np.abs(ours - djl).max())
print(f"torch {torch.__version__} images {x.shape[0]} max_abs_diff {diff:.3e} argmax_agree {(ours.argmax(1) == djl.argmax(1)).sum()}")
sys.exit(0 if diff <= 1e-5 else 1)
