package org.fedchain.core.receipt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.Arrays;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.Hex;
import org.junit.jupiter.api.Test;

class Secp256k1Test {
  // the first key anvil and hardhat print; its address is well known
  static final byte[] KEY =
      Hex.decode("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
  static final Hash32 DIGEST = Hash32.keccak256("hello".getBytes());

  @Test
  void derives_the_well_known_address_of_a_key() {
    assertThat(Secp256k1.addressOf(KEY).toString())
        .isEqualTo("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
  }

  @Test
  void recovers_the_signer_of_its_own_signatures() throws SignatureException {
    byte[] sig = Secp256k1.sign(DIGEST, KEY);
    assertThat(sig).hasSize(65);
    assertThat(sig[64]).isIn((byte) 27, (byte) 28);
    assertThat(Secp256k1.recover(DIGEST, sig)).isEqualTo(Secp256k1.addressOf(KEY));
    assertThat(Secp256k1.recover(Hash32.keccak256("other".getBytes()), sig))
        .isNotEqualTo(Secp256k1.addressOf(KEY));
  }

  @Test
  void rejects_the_high_s_twin_of_a_valid_signature() throws SignatureException {
    byte[] sig = Secp256k1.sign(DIGEST, KEY);
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(sig, 32, 64));
    byte[] highS = Secp256k1.N.subtract(s).toByteArray();
    byte[] twin = sig.clone();
    Arrays.fill(twin, 32, 64, (byte) 0);
    System.arraycopy(
        highS,
        Math.max(0, highS.length - 32),
        twin,
        64 - Math.min(32, highS.length),
        Math.min(32, highS.length));
    twin[64] = (byte) (sig[64] == 27 ? 28 : 27);
    assertThatThrownBy(() -> Secp256k1.recover(DIGEST, twin))
        .isInstanceOfSatisfying(
            SignatureException.class,
            e -> assertThat(e.problem()).isEqualTo(SignatureException.Problem.HIGH_S));
  }

  @Test
  void rejects_bad_length_and_bad_v() {
    byte[] sig = Secp256k1.sign(DIGEST, KEY);
    assertThatThrownBy(() -> Secp256k1.recover(DIGEST, Arrays.copyOf(sig, 64)))
        .isInstanceOfSatisfying(
            SignatureException.class,
            e -> assertThat(e.problem()).isEqualTo(SignatureException.Problem.BAD_LENGTH));
    byte[] v0 = sig.clone();
    v0[64] = (byte) (sig[64] - 27);
    assertThatThrownBy(() -> Secp256k1.recover(DIGEST, v0))
        .isInstanceOfSatisfying(
            SignatureException.class,
            e -> assertThat(e.problem()).isEqualTo(SignatureException.Problem.BAD_V));
  }

  @Test
  void rejects_zero_r() {
    byte[] sig = Secp256k1.sign(DIGEST, KEY);
    Arrays.fill(sig, 0, 32, (byte) 0);
    assertThatThrownBy(() -> Secp256k1.recover(DIGEST, sig))
        .isInstanceOfSatisfying(
            SignatureException.class,
            e -> assertThat(e.problem()).isEqualTo(SignatureException.Problem.OUT_OF_RANGE));
  }

  @Test
  void address_parsing_checks_the_eip55_checksum() {
    assertThat(Address.parse("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266").toString())
        .isEqualTo("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
    assertThatThrownBy(() -> Address.parse("0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266"))
        .hasMessageContaining("checksum");
  }
}
