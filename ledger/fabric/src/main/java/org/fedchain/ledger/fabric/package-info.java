/**
 * The Fabric ledger backend (scheme {@code fabric:}), found through {@link
 * org.fedchain.ledger.Ledgers#open}; its provider is {@link
 * org.fedchain.ledger.fabric.FabricLedgerProvider}.
 */
package org.fedchain.ledger.fabric;
