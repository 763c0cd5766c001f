package org.fedchain.examples;

import java.io.PrintWriter;
import java.nio.file.Path;

/**
 * An application FedChain ships: it trains on real data, records every update on a ledger,
 * validates, pays rewards, audits, and prints its figures next to their baselines.
 *
 * <pre>{@code
 * Example e = Examples.get("gas-levels");
 * boolean ok = e.run(new Example.Context(cache, workDir, out, true));
 * }</pre>
 */
public interface Example {
  /** The name {@code fedchain example run} takes, e.g. {@code gas-levels}. */
  String name();

  /** One line on what it does, on which data. */
  String description();

  /** Whether its data is installed in {@code cache} ({@code scripts/setup.sh example NAME}). */
  boolean installed(Path cache);

  /**
   * Runs it end to end in {@code work} (a new folder: ledger, store, wallets).
   *
   * @return whether every run it recorded audits clean
   */
  boolean run(Context context) throws Exception;

  /**
   * Where it runs.
   *
   * @param cache where {@code scripts/setup.sh} installed the data ({@code $FEDCHAIN_CACHE})
   * @param work a fresh folder for its ledger, store and wallets
   * @param quick a small slice that runs in CI in under a minute
   */
  record Context(Path cache, Path work, PrintWriter out, boolean quick) {}
}
