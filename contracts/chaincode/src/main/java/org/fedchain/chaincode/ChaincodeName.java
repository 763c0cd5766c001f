package org.fedchain.chaincode;

import com.google.protobuf.InvalidProtocolBufferException;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.peer.ChaincodeHeaderExtension;
import org.hyperledger.fabric.protos.peer.Proposal;
import org.hyperledger.fabric.protos.peer.SignedProposal;
import org.hyperledger.fabric.shim.ChaincodeStub;

/**
 * The name a transaction invoked this chaincode under, read from its signed proposal. The peer
 * routes a proposal by that name, so it is the committed chaincode definition's name: the EIP-712
 * domain follows it without configuration, and one chaincode process can serve several definitions
 * (several independent ledgers on one channel).
 */
final class ChaincodeName {
  private ChaincodeName() {}

  static String of(ChaincodeStub stub) {
    SignedProposal sp = stub.getSignedProposal();
    if (sp == null) {
      throw new IllegalStateException("the transaction carries no signed proposal");
    }
    try {
      Proposal p = Proposal.parseFrom(sp.getProposalBytes());
      ChannelHeader ch =
          ChannelHeader.parseFrom(Header.parseFrom(p.getHeader()).getChannelHeader());
      String name =
          ChaincodeHeaderExtension.parseFrom(ch.getExtension()).getChaincodeId().getName();
      if (name.isEmpty()) {
        throw new IllegalStateException("the proposal names no chaincode");
      }
      return name;
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot read the proposal's header: " + e.getMessage(), e);
    }
  }
}
