/**
 * The applications FedChain ships ({@code fedchain example list}): each trains a model spec of its
 * own on real data across nodes, chained and by FedAvg, records, validates, pays, audits, and
 * prints its figures next to baselines. Their files (spec, data set-up, README section) are in the
 * top-level {@code examples/NAME} folders.
 */
package org.fedchain.examples;
