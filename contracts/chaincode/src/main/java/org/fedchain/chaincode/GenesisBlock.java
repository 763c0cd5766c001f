package org.fedchain.chaincode;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fedchain.core.Hash32;
import org.hyperledger.fabric.protos.common.Block;

/**
 * The network a channel lives on, named by its genesis block: the block's data hash (a digest of
 * the channel's first configuration, unique to the network that created it). The chaincode signs
 * receipts in a domain that carries it; clients read the same block through the peer.
 */
final class GenesisBlock {
  private GenesisBlock() {}

  /** The data hash of the genesis block in {@code file}; a clear error if it is none. */
  static Hash32 network(String file) {
    if (file == null || file.isBlank()) {
      throw new IllegalStateException(
          "FEDCHAIN_CHANNEL_BLOCK is not set: give the chaincode the channel's genesis block (the"
              + " file peers joined the channel with), which names the network in every signature");
    }
    try {
      return network(Files.readAllBytes(Path.of(file)));
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "FEDCHAIN_CHANNEL_BLOCK=" + file + " is not a channel's genesis block: " + e.getMessage(),
          e);
    }
  }

  /** The data hash of a serialised genesis block. */
  static Hash32 network(byte[] block) {
    Block b;
    try {
      b = Block.parseFrom(block);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not a block: " + e.getMessage(), e);
    }
    if (b.getHeader().getNumber() != 0 || b.getHeader().getDataHash().size() != 32) {
      throw new IllegalArgumentException(
          "block "
              + b.getHeader().getNumber()
              + " is not a genesis block with a 32-byte data hash");
    }
    return Hash32.of(b.getHeader().getDataHash().toByteArray());
  }
}
