/**
 * Provenance checks. Entry point: {@link org.fedchain.verifier.Verifier}: {@code audit} a run,
 * {@code requireVerifiedLineage} before training on a fetched model; {@link
 * org.fedchain.verifier.AuditJson} writes the EIP-712 typed data of each update for other tools.
 */
package org.fedchain.verifier;
