/**
 * The ledger SPI. Entry point: {@link org.fedchain.ledger.Ledgers#open}, which returns a {@link
 * org.fedchain.ledger.Ledger}; backends implement {@link org.fedchain.ledger.LedgerProvider}. The
 * rules every backend enforces live in {@link org.fedchain.ledger.rules.Rules}.
 */
package org.fedchain.ledger;
