/**
 * The federated node as a library; the {@code fedchain} command line is a thin layer over it. One
 * entry point per role:
 *
 * <ul>
 *   <li>open a run: {@link org.fedchain.node.ChainFlow#openRun};
 *   <li>continue a chain (verify the head's lineage, train, record): {@link
 *       org.fedchain.node.ChainFlow#continueChain};
 *   <li>serve as coordinator of a data-parallel run (gRPC, rounds or FedBuff): {@link
 *       org.fedchain.node.CoordinatorService};
 *   <li>serve as a node of such a run (join, take tasks, train, submit): {@link
 *       org.fedchain.node.NodeWorker};
 *   <li>simulate a whole data-parallel run in one process: {@link org.fedchain.node.FedAvgFlow}.
 * </ul>
 *
 * <p>Shards of data are named by {@link org.fedchain.node.DataSpec}; models missing from the local
 * store are fetched from untrusted {@link org.fedchain.node.Peers} and kept only if they hash to
 * what the ledger recorded.
 */
package org.fedchain.node;
