package org.fedchain.trainer;

/** The real Fashion-MNIST files, read once per test JVM. */
final class RealData {
  private static Samples train;
  private static Samples test;

  private RealData() {}

  static synchronized Samples train() {
    if (train == null) {
      train = FashionMnist.standard().train();
    }
    return train;
  }

  static synchronized Samples test() {
    if (test == null) {
      test = FashionMnist.standard().test();
    }
    return test;
  }
}
