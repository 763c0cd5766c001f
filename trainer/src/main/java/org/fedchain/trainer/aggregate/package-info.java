/**
 * Aggregation of client models. Entry point: {@link org.fedchain.trainer.aggregate.Strategies}
 * ({@code fedAvg}, {@code median}, {@code trimmedMean}, {@code krum}, {@code parse}).
 */
package org.fedchain.trainer.aggregate;
