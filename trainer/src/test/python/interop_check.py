# Usage: run TrainerBench with -Dout=PREFIX-mlp and -Dout=PREFIX-cnn, then: python interop_check.py PREFIX
# Needs only numpy and safetensors (pip), never torch; not part of the Maven build.
# Reads FedChain model files with the safetensors library and recomputes the logits with numpy,
# using PyTorch's definitions of Linear [out,in], Conv2d [out,in,kh,kw], MaxPool2d(2), Flatten.
import gzip, sys, numpy as np
from safetensors.numpy import load_file
img = np.frombuffer(gzip.open('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz').read()[16:], np.uint8)
x = (img[:100 * 784].reshape(100, 1, 28, 28).astype(np.float32) / np.float32(255))
relu = lambda a: np.maximum(a, 0)
lin = lambda a, w, b: a @ w.T + b
def conv(a, w, b):
    n, c, h, _ = a.shape; o, _, k, _ = w.shape; s = h - k + 1
    cols = np.stack([a[:, :, i:i + s, j:j + s] for i in range(k) for j in range(k)], axis=2)  # n,c,k*k,s,s
    return np.einsum('nckxy,ock->noxy', cols, w.reshape(o, c, k * k)) + b[None, :, None, None]
pool = lambda a: a.reshape(a.shape[0], a.shape[1], a.shape[2] // 2, 2, a.shape[3] // 2, 2).max(axis=(3, 5))
prefix = sys.argv[1] if len(sys.argv) > 1 else '/tmp/interop'
for arch in ['mlp', 'cnn']:
    t = load_file(f'{prefix}-{arch}.safetensors')
    print(arch, sorted((k, v.dtype.name, v.shape) for k, v in t.items()))
    if arch == 'mlp':
        a = x.reshape(100, -1)
        a = relu(lin(a, t['1.weight'], t['1.bias'])); a = relu(lin(a, t['3.weight'], t['3.bias'])); a = lin(a, t['5.weight'], t['5.bias'])
    else:
        a = pool(relu(conv(x, t['0.weight'], t['0.bias']))); a = pool(relu(conv(a, t['3.weight'], t['3.bias'])))
        a = a.reshape(100, -1)
        a = relu(lin(a, t['7.weight'], t['7.bias'])); a = relu(lin(a, t['9.weight'], t['9.bias'])); a = lin(a, t['11.weight'], t['11.bias'])
    java = np.fromfile(f'{prefix}-{arch}.logits.f32', '<f4').reshape(100, 10)
    print(arch, 'max |numpy - djl| =', float(np.abs(a - java).max()), 'argmax agree:', int((a.argmax(1) == java.argmax(1)).sum()), '/ 100')
