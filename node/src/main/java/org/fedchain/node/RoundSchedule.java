package org.fedchain.node;

/**
 * How the clients' learning rate changes from round to round of a data-parallel run (within one
 * local training, {@code TrainingConfig.Schedule} applies on top). The rate a LOCAL update was
 * trained with is in its manifest, so an auditor replays it without knowing the schedule.
 */
public enum RoundSchedule {
  /** Every round trains at the configured rate. */
  CONSTANT,
  /**
   * Cosine decay over the run: round r of R trains at {@code rate * (1 + cos(pi * (r - 1) / R)) /
   * 2}, the full rate in round 1 and never zero. Late rounds take smaller local steps, so clients
   * drift less apart on non-IID shards (on the 10-client CNN bench it did not beat a constant rate;
   * decision 15).
   */
  COSINE;

  /** The learning rate of round {@code round} (1-based) of {@code rounds}, from {@code base}. */
  public float rate(float base, int round, int rounds) {
    if (round < 1 || (this == COSINE && round > rounds)) {
      throw new IllegalArgumentException("round " + round + " is not in 1.." + rounds);
    }
    return switch (this) {
      case CONSTANT -> base;
      case COSINE -> (float) (base * 0.5 * (1 + Math.cos(Math.PI * (round - 1) / rounds)));
    };
  }

  /** Parses {@code constant} or {@code cosine} (any case) with an error naming the choices. */
  public static RoundSchedule parse(String text) {
    for (RoundSchedule s : values()) {
      if (s.name().equalsIgnoreCase(text)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown round schedule '" + text + "'; expected constant or cosine");
  }
}
