/**
 * The FedChain ledger rules as Hyperledger Fabric chaincode. Entry point: {@link
 * org.fedchain.chaincode.FedChainContract} (started by the shim's {@code ContractRouter}); clients
 * encode arguments and decode results with {@link org.fedchain.chaincode.Wire}.
 */
package org.fedchain.chaincode;
