/**
 * Benchmarks, each printing its numbers next to the reference they are compared with; run them with
 * {@code scripts/bench.sh}. They use only public API.
 */
package org.fedchain.bench;
