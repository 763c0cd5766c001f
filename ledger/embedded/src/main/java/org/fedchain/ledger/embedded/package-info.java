/**
 * The embedded ledger: the rules over a local SQLite file with a hash-chained log (scheme {@code
 * embedded:}), for one machine and for tests.
 */
package org.fedchain.ledger.embedded;
