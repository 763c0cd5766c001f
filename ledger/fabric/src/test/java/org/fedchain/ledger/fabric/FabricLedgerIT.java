package org.fedchain.ledger.fabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigInteger;
import java.security.SecureRandom;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.Eip712Domain;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.Reason;
import org.fedchain.ledger.RejectedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * Against a live network ({@code scripts/fabric.sh up}, {@code deploy}, {@code chaincode-start}):
 * set {@code FEDCHAIN_FABRIC_URI} to a {@code fabric:} URI of Org1's admin.
 */
@EnabledIfEnvironmentVariable(named = "FEDCHAIN_FABRIC_URI", matches = "fabric:.+")
class FabricLedgerIT {
  @Test
  void mints_reads_the_balance_and_maps_a_refusal_to_its_reason() throws Exception {
    byte[] raw = new byte[20];
    new SecureRandom().nextBytes(raw);
    Address fresh = Address.of(raw);
    try (Ledger l = Ledgers.open(System.getenv("FEDCHAIN_FABRIC_URI"))) {
      assertThat(l.domain()).isEqualTo(Eip712Domain.fabric("fedchain", "fedchain"));
      assertThat(l.balance(fresh)).isZero();
      l.mint(fresh, BigInteger.valueOf(42));
      assertThat(l.balance(fresh)).isEqualTo(42);
      RejectedException e =
          catchThrowableOfType(RejectedException.class, () -> l.claim(Hash32.ZERO));
      assertThat(e.reason()).isEqualTo(Reason.UPDATE_UNKNOWN);
      assertThat(l.update(Hash32.ZERO)).isEmpty();
    }
  }
}
