package org.fedchain.chaincode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.nio.file.Files;
import java.nio.file.Path;
import org.fedchain.core.Hash32;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenesisBlockTest {
  @TempDir Path dir;

  static byte[] block(long number, byte[] dataHash) {
    return Block.newBuilder()
        .setHeader(
            BlockHeader.newBuilder().setNumber(number).setDataHash(ByteString.copyFrom(dataHash)))
        .build()
        .toByteArray();
  }

  @Test
  void the_network_is_the_genesis_blocks_data_hash() throws Exception {
    Hash32 h = Hash32.sha256("config".getBytes());
    Path f = Files.write(dir.resolve("channel.block"), block(0, h.toBytes()));
    assertThat(GenesisBlock.network(f.toString())).isEqualTo(h);
  }

  @Test
  void a_missing_setting_a_later_block_or_junk_is_refused_by_name() throws Exception {
    assertThatThrownBy(() -> GenesisBlock.network((String) null))
        .hasMessageContaining("FEDCHAIN_CHANNEL_BLOCK is not set");
    Path later = Files.write(dir.resolve("b1"), block(1, new byte[32]));
    assertThatThrownBy(() -> GenesisBlock.network(later.toString()))
        .hasMessageContaining("FEDCHAIN_CHANNEL_BLOCK=" + later)
        .hasMessageContaining("block 1 is not a genesis block");
    Path junk = Files.write(dir.resolve("junk"), new byte[] {(byte) 0xff, 1, 2});
    assertThatThrownBy(() -> GenesisBlock.network(junk.toString()))
        .hasMessageContaining("is not a channel's genesis block");
    assertThatThrownBy(() -> GenesisBlock.network(dir.resolve("absent").toString()))
        .hasMessageContaining("absent");
  }
}
