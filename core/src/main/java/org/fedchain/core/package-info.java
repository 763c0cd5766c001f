/** Values every module shares: 32-byte hashes, Ethereum addresses, hex, dataset commitments. */
package org.fedchain.core;
