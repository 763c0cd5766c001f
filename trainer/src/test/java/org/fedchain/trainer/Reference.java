package org.fedchain.trainer;

/**
 * Plain-Java forward passes with PyTorch's definitions (Linear weight [out, in], Conv2d weight
 * [out, in, kh, kw], cross-correlation, MaxPool2d(2), NCHW flatten), to check that DJL reads the
 * tensors the way PyTorch would.
 */
final class Reference {
  private Reference() {}

  static float[] linear(float[] x, float[] w, float[] b, int out) {
    int in = x.length;
    float[] y = new float[out];
    for (int o = 0; o < out; o++) {
      double s = b[o];
      for (int i = 0; i < in; i++) {
        s += (double) w[o * in + i] * x[i];
      }
      y[o] = (float) s;
    }
    return y;
  }

  /** Valid cross-correlation of a [cin, size, size] input with [cout, cin, k, k] weights. */
  static float[] conv(float[] x, int cin, int size, float[] w, float[] b, int cout, int k) {
    int outSize = size - k + 1;
    float[] y = new float[cout * outSize * outSize];
    for (int o = 0; o < cout; o++) {
      for (int r = 0; r < outSize; r++) {
        for (int c = 0; c < outSize; c++) {
          double s = b[o];
          for (int i = 0; i < cin; i++) {
            for (int kr = 0; kr < k; kr++) {
              for (int kc = 0; kc < k; kc++) {
                s +=
                    (double) w[((o * cin + i) * k + kr) * k + kc]
                        * x[(i * size + r + kr) * size + c + kc];
              }
            }
          }
          y[(o * outSize + r) * outSize + c] = (float) s;
        }
      }
    }
    return y;
  }

  static float[] pool2(float[] x, int channels, int size) {
    int h = size / 2;
    float[] y = new float[channels * h * h];
    for (int ch = 0; ch < channels; ch++) {
      for (int r = 0; r < h; r++) {
        for (int c = 0; c < h; c++) {
          float m = Float.NEGATIVE_INFINITY;
          for (int dr = 0; dr < 2; dr++) {
            for (int dc = 0; dc < 2; dc++) {
              m = Math.max(m, x[(ch * size + 2 * r + dr) * size + 2 * c + dc]);
            }
          }
          y[(ch * h + r) * h + c] = m;
        }
      }
    }
    return y;
  }

  static float[] relu(float[] x) {
    float[] y = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = Math.max(0, x[i]);
    }
    return y;
  }
}
