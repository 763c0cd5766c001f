package org.fedchain.trainer;

/**
 * Accuracy and mean cross-entropy loss of a model on a set of samples: what a manifest records as
 * metrics and what a validator's score is computed from.
 */
public record Evaluation(int samples, double accuracy, double loss) {}
