package org.fedchain.ledger.fabric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.io.InputStream;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import org.fedchain.chaincode.wire.Wire;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.Eip712Domain;
import org.fedchain.ledger.AbstractLedgerContractTest;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.Reason;
import org.fedchain.ledger.RejectedException;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.Hash;
import org.hyperledger.fabric.client.Status;
import org.hyperledger.fabric.client.identity.Identities;
import org.hyperledger.fabric.client.identity.Signers;
import org.hyperledger.fabric.client.identity.X509Identity;
import org.hyperledger.fabric.protos.peer.TxValidationCode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shared rule vectors through {@link FabricLedger} against a real consortium that {@code
 * scripts/fabric.sh} starts (an orderer, two organisations' peers and chaincode processes): each
 * vector gets a chaincode definition of its own, a fresh empty ledger on the same channel, as each
 * vector gets a fresh deployment on anvil. Snapshots are the chaincode's state digest.
 */
class FabricLedgerContractIT extends AbstractLedgerContractTest {
  static FabricNetwork net;
  static Iterator<String> fresh;

  @BeforeAll
  static void up() throws Exception {
    net = FabricNetwork.fresh(100);
    int vectors;
    try (InputStream in =
        AbstractLedgerContractTest.class.getResourceAsStream("ledger-rules.json")) {
      vectors = new ObjectMapper().readTree(in).get("vectors").size();
    }
    List<String> names = IntStream.range(0, vectors).mapToObj(i -> "vector" + i).toList();
    long t0 = System.nanoTime();
    net.define(names);
    System.out.printf(
        "defined %d fresh ledgers in %d ms%n", vectors, (System.nanoTime() - t0) / 1_000_000);
    fresh = names.iterator();
  }

  @AfterAll
  static void down() throws Exception {
    if (net != null) {
      net.close();
    }
  }

  @Override
  protected Ledger newLedger(Path dir) throws Exception {
    return Ledgers.open(net.uris(fresh.next()).get(0));
  }

  @Override
  protected Object snapshot(Ledger ledger) throws Exception {
    return ((FabricLedger) ledger).stateDigest();
  }

  static Address freshAddress() {
    byte[] raw = new byte[20];
    new SecureRandom().nextBytes(raw);
    return Address.of(raw);
  }

  @Test
  void both_organisations_see_the_same_ledger_and_only_the_minter_may_mint() throws Exception {
    List<String> uris = net.uris("fedchain");
    Address a = freshAddress();
    try (Ledger org1 = Ledgers.open(uris.get(0));
        Ledger org2 = Ledgers.open(uris.get(1))) {
      // the domain names this network: the data hash of the channel's genesis block
      var header =
          org.hyperledger.fabric.protos.common.Block.parseFrom(
                  java.nio.file.Files.readAllBytes(net.genesisBlock()))
              .getHeader();
      Hash32 network = Hash32.of(header.getDataHash().toByteArray());
      assertThat(org1.domain()).isEqualTo(Eip712Domain.fabric(network, "fedchain", "fedchain"));
      assertThat(org2.domain()).isEqualTo(org1.domain());
      org1.mint(a, BigInteger.valueOf(42));
      assertThat(org2.balance(a)).isEqualTo(42);
      assertThat(((FabricLedger) org2).stateDigest())
          .isEqualTo(((FabricLedger) org1).stateDigest());
      LedgerException e =
          catchThrowableOfType(LedgerException.class, () -> org2.mint(a, BigInteger.ONE));
      assertThat(e).hasMessageContaining("UNAUTHORIZED").hasMessageContaining("Org2MSP");
      assertThat(org1.balance(a)).isEqualTo(42);
      RejectedException r =
          catchThrowableOfType(RejectedException.class, () -> org1.claim(Hash32.ZERO));
      assertThat(r.reason()).isEqualTo(Reason.UPDATE_UNKNOWN);
    }
  }

  /**
   * The chaincode definition needs both organisations' peers: a mint endorsed by Org1's peer alone
   * is ordered into a block but invalidated there and changes nothing; the same mint endorsed as
   * the gateway chooses (both organisations) is valid.
   */
  @Test
  void a_transaction_endorsed_by_one_organisation_is_refused_by_the_network() throws Exception {
    FabricUri u = FabricUri.parse(net.uris("fedchain").get(0));
    Address a = freshAddress();
    ManagedChannel ch =
        Grpc.newChannelBuilder(
                u.target(),
                TlsChannelCredentials.newBuilder().trustManager(u.tlsCa().toFile()).build())
            .build();
    try (Reader certIn = Files.newBufferedReader(u.cert(), StandardCharsets.UTF_8);
        Reader keyIn = Files.newBufferedReader(u.key(), StandardCharsets.UTF_8);
        Gateway gw =
            Gateway.newInstance()
                .identity(new X509Identity(u.mspId(), Identities.readX509Certificate(certIn)))
                .signer(Signers.newPrivateKeySigner(Identities.readPrivateKey(keyIn)))
                .hash(Hash.SHA256)
                .connection(ch)
                .connect()) {
      Contract contract = gw.getNetwork(u.channel()).getContract(u.chaincode());
      Status alone =
          contract
              .newProposal("mint")
              .addArguments(Wire.hex(a), "5")
              .setEndorsingOrganizations("Org1MSP")
              .build()
              .endorse()
              .submitAsync()
              .getStatus();
      assertThat(alone.isSuccessful()).isFalse();
      assertThat(alone.getCode()).isEqualTo(TxValidationCode.ENDORSEMENT_POLICY_FAILURE);
      assertThat(balance(contract, a)).isEqualTo("0");

      Status both =
          contract
              .newProposal("mint")
              .addArguments(Wire.hex(a), "5")
              .build()
              .endorse()
              .submitAsync()
              .getStatus();
      assertThat(both.isSuccessful()).as("%s", both.getCode()).isTrue();
      assertThat(balance(contract, a)).isEqualTo("5");
    } finally {
      ch.shutdownNow();
    }
  }

  private static String balance(Contract c, Address a) throws Exception {
    return new String(c.evaluateTransaction("balance", Wire.hex(a)), StandardCharsets.UTF_8);
  }
}
