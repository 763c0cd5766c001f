package org.fedchain.trainer;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/** Starts DJL's PyTorch engine once, offline, with the thread settings training needs. */
final class Engines {
  static final String PYTORCH = "PyTorch";

  private static boolean started;

  private Engines() {}

  /**
   * The PyTorch engine with {@code threads} intra-op threads and grad mode off on this thread.
   * Before the first start it sets, unless the caller already did: offline mode (DJL otherwise
   * contacts a metadata server) and one inter-op thread.
   */
  static synchronized Engine pytorch(int threads) {
    Engine engine = pytorch(Integer.toString(threads));
    if (JniUtils.getNumThreads() != threads) {
      JniUtils.setNumThreads(threads);
    }
    return engine;
  }

  /**
   * The PyTorch engine with grad mode off on this thread, leaving the intra-op thread count as it
   * is (one unless a training or the caller set another).
   */
  static synchronized Engine pytorch() {
    return pytorch("1");
  }

  private static Engine pytorch(String firstThreads) {
    if (!started) {
      if (System.getenv("DJL_OFFLINE") == null && System.getProperty("ai.djl.offline") == null) {
        System.setProperty("ai.djl.offline", "true");
      }
      if (System.getProperty("ai.djl.pytorch.num_interop_threads") == null) {
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
      }
      if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
        System.setProperty("ai.djl.pytorch.num_threads", firstThreads);
      }
      started = true;
    }
    Engine engine = Engine.getEngine(PYTORCH);
    // grad mode is per thread in libtorch and on by default; DJL turns it off only on the thread
    // that loaded the engine, and a GradientCollector turns it on only while it is open
    JniUtils.setGradMode(false);
    return engine;
  }
}
