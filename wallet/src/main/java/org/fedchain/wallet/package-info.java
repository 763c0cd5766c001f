/**
 * Keys and signing. Entry points: {@link org.fedchain.wallet.Keystore} for Ethereum keystore V3
 * files, {@link org.fedchain.wallet.FabricIdentity#load} for Fabric MSP folders; both yield an
 * {@link org.fedchain.wallet.Identity} whose {@link org.fedchain.wallet.Signer} keeps the key.
 */
package org.fedchain.wallet;
