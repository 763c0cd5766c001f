package org.fedchain.ledger.ethereum;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.Hex;
import org.fedchain.core.receipt.Attestation;
import org.fedchain.core.receipt.Eip712;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Secp256k1;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.TransactionSigner;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.ledger.ethereum.contracts.ContributionRegistry;
import org.fedchain.ledger.rules.Rules;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.admin.methods.response.TxPoolContent;
import org.web3j.protocol.core.Request;
import org.web3j.protocol.core.methods.response.Transaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.core.methods.response.VoidResponse;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.gas.StaticGasProvider;

/**
 * A copier watches anvil's mempool (automine off), sees a victim's pending submit, re-signs the
 * same receipt fields with its own key (naming itself: a receipt naming the victim would not
 * recover to it) and sends it at ten times the gas price, so it is mined first in the same block.
 * What stops it depends on the run's terms; the test prints the outcome of each.
 */
class FrontRunIT {
  /** anvil's first three default accounts: funded with ETH, keys public. */
  static final byte[] COORDINATOR = Hex.decode(Anvil.DEV_KEY);

  static final byte[] VICTIM =
      Hex.decode("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
  static final byte[] COPIER =
      Hex.decode("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");
  static final byte[] VALIDATOR =
      Hex.decode("7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6");

  static Anvil anvil;
  static Web3j rpc;
  static HttpService http;

  @BeforeAll
  static void start() throws Exception {
    anvil = Anvil.start(0);
    http = new HttpService(anvil.rpcUrl());
    rpc = Web3j.build(http);
  }

  @AfterAll
  static void stop() {
    if (rpc != null) {
      rpc.shutdown();
    }
    if (anvil != null) {
      anvil.close();
    }
  }

  /** What happened to the victim and the copier under one set of terms. */
  record Outcome(String victim, String copier, BigInteger victimPaid, BigInteger copierPaid) {}

  @Test
  void a_copier_outbidding_a_pending_receipt_is_refused_where_the_terms_say_so() throws Exception {
    Map<String, Outcome> outcomes = new LinkedHashMap<>();
    outcomes.put("open run, no commit-reveal", race(false, false));
    outcomes.put("commit-reveal (default on Ethereum)", race(true, false));
    outcomes.put("admitted nodes only", race(false, true));

    StringBuilder table =
        new StringBuilder(
            String.format(
                "%-38s %-26s %-26s %12s %12s",
                "terms", "victim", "copier", "victim VNX", "copier VNX"));
    outcomes.forEach(
        (terms, o) ->
            table.append(
                String.format(
                    "%n%-38s %-26s %-26s %12s %12s",
                    terms, o.victim(), o.copier(), o.victimPaid(), o.copierPaid())));
    System.out.println(table);

    // without either defence the copier wins: why commit-reveal is on by default where others see
    // the mempool
    assertThat(outcomes.get("open run, no commit-reveal"))
        .as(table.toString())
        .isEqualTo(new Outcome("refused on chain", "recorded", BigInteger.ZERO, BigInteger.TEN));
    assertThat(outcomes.get("commit-reveal (default on Ethereum)"))
        .as(table.toString())
        .isEqualTo(new Outcome("recorded", "reverted: NoCommit", BigInteger.TEN, BigInteger.ZERO));
    assertThat(outcomes.get("admitted nodes only"))
        .as(table.toString())
        .isEqualTo(
            new Outcome("recorded", "reverted: NotAdmitted", BigInteger.TEN, BigInteger.ZERO));
  }

  /** One race on a fresh deployment; mining is manual while it runs. */
  private Outcome race(boolean commitReveal, boolean admitVictimOnly) throws Exception {
    TransactionSigner owner = TransactionSigner.ofKey(COORDINATOR);
    EthereumDeployment.Deployed d = EthereumDeployment.deploy(anvil.rpcUrl(), owner);
    Address victim = Secp256k1.addressOf(VICTIM);
    Address copier = Secp256k1.addressOf(COPIER);
    Address validator = Secp256k1.addressOf(VALIDATOR);
    try (Ledger coord = new EthereumLedgerProvider().open(d.uri(), owner);
        Ledger mine = new EthereumLedgerProvider().open(d.uri(), TransactionSigner.ofKey(VICTIM))) {
      Address coordinator = owner.address();
      coord.mint(coordinator, BigInteger.valueOf(100));
      RunConfig terms =
          new RunConfig(
                  Mode.CHAINED,
                  commitReveal,
                  List.of(validator),
                  1,
                  BigInteger.valueOf(100),
                  BigInteger.ONE)
              .admitting(admitVictimOnly ? List.of(victim) : List.of());
      Hash32 run = terms.runId(coordinator);
      Hash32 genesisModel = Hash32.sha256("genesis".getBytes());
      ModelUpdate g =
          new ModelUpdate(
              run,
              0,
              UpdateKind.GENESIS,
              Hash32.ZERO,
              genesisModel,
              Hash32.ZERO,
              terms.hash(),
              0,
              coordinator);
      coord.openRun(terms, sign(coord, g, COORDINATOR));
      ModelUpdate honest = receipt(run, genesisModel, victim);
      Signed<ModelUpdate> signed = sign(mine, honest, VICTIM);

      automine(false);
      try {
        if (commitReveal) {
          Hash32 commitment = Rules.commitment(signed.digest(mine.domain()), victim);
          CompletableFuture<Void> c =
              CompletableFuture.runAsync(() -> uncheckedRun(() -> mine.commit(commitment)));
          awaitPending(1);
          mineBlock();
          c.get(30, TimeUnit.SECONDS);
        }
        CompletableFuture<UpdateRecord> submitted =
            CompletableFuture.supplyAsync(() -> unchecked(() -> mine.submit(signed)));
        Transaction pending = awaitPending(1).get(0);
        // what the copier reads from the mempool: the victim's calldata carries the model hash
        assertThat(pending.getInput()).contains(honest.model().hex());
        String copied = copy(d.registry(), pending, honest, mine);
        mineBlock();
        String victimResult;
        try {
          submitted.get(30, TimeUnit.SECONDS);
          victimResult = "recorded";
        } catch (java.util.concurrent.ExecutionException e) {
          victimResult =
              e.getCause().getMessage().contains("reverted on chain")
                  ? "refused on chain"
                  : e.getCause().getMessage();
        }
        TransactionReceipt rc =
            rpc.ethGetTransactionReceipt(copied).send().getTransactionReceipt().orElseThrow();
        String copierResult =
            rc.isStatusOK() ? "recorded" : "reverted: " + revertReason(rc, pending, d.registry());
        automine(true);

        // the validator scores whatever was recorded; its contributor claims
        Optional<UpdateRecord> u = coord.updateOfModel(run, honest.model());
        if (u.isPresent()) {
          coord.commit(Rules.commitment(Hash32.ZERO, validator)); // its eval set, first
          Attestation a = new Attestation(u.get().updateId(), 10, Hash32.ZERO, Hash32.ZERO);
          coord.attest(sign(coord, a, VALIDATOR));
          coord.claim(u.get().updateId());
        }
        return new Outcome(
            victimResult, copierResult, coord.balance(victim), coord.balance(copier));
      } finally {
        automine(true);
      }
    }
  }

  static ModelUpdate receipt(Hash32 run, Hash32 parent, Address contributor) {
    Hash32 model = Hash32.sha256(("victim's model of " + run).getBytes());
    return new ModelUpdate(
        run, 1, UpdateKind.CHAINED, parent, model, model, model, 600, contributor);
  }

  /**
   * The copier's move: the same fields naming itself, signed with its key, at ten times the pending
   * transaction's gas price, sent raw (no simulation: an attacker does not ask first).
   */
  private String copy(Address registry, Transaction pending, ModelUpdate honest, Ledger l)
      throws Exception {
    Address copier = Secp256k1.addressOf(COPIER);
    ModelUpdate mine =
        new ModelUpdate(
            honest.runId(),
            honest.seq(),
            honest.kind(),
            honest.parent(),
            honest.model(),
            honest.manifest(),
            honest.data(),
            honest.samples(),
            copier);
    byte[] sig = Secp256k1.sign(mine.digest(l.domain()), COPIER);
    long chainId = rpc.ethChainId().send().getChainId().longValueExact();
    RawTransactionManager txm =
        new RawTransactionManager(rpc, Credentials.create(Hex.prefixed(COPIER)), chainId);
    ContributionRegistry reg =
        ContributionRegistry.load(
            registry.lowerHex(),
            rpc,
            txm,
            new StaticGasProvider(BigInteger.ONE, BigInteger.valueOf(500_000)));
    String data =
        reg.submit(
                new ContributionRegistry.Receipt(
                    mine.runId().toBytes(),
                    BigInteger.valueOf(mine.seq()),
                    BigInteger.valueOf(mine.kind().code()),
                    mine.parent().toBytes(),
                    mine.model().toBytes(),
                    mine.manifest().toBytes(),
                    mine.data().toBytes(),
                    BigInteger.valueOf(mine.samples()),
                    copier.lowerHex()),
                copier.lowerHex(),
                sig)
            .encodeFunctionCall();
    var sent =
        txm.sendTransaction(
            pending.getGasPrice().multiply(BigInteger.TEN),
            BigInteger.valueOf(500_000),
            registry.lowerHex(),
            data,
            BigInteger.ZERO);
    assertThat(sent.hasError()).as("copier's send: %s", sent.getError()).isFalse();
    awaitPending(2);
    return sent.getTransactionHash();
  }

  /** Why a mined transaction reverted: its calldata replayed as a call at its block's parent. */
  private static String revertReason(TransactionReceipt rc, Transaction pending, Address registry)
      throws Exception {
    var tx = rpc.ethGetTransactionByHash(rc.getTransactionHash()).send().getTransaction().get();
    var call =
        rpc.ethCall(
                org.web3j.protocol.core.methods.request.Transaction.createEthCallTransaction(
                    tx.getFrom(), registry.lowerHex(), tx.getInput()),
                org.web3j.protocol.core.DefaultBlockParameter.valueOf(
                    rc.getBlockNumber().subtract(BigInteger.ONE)))
            .send();
    String data = call.hasError() ? String.valueOf(call.getError().getData()) : call.getValue();
    return Reverts.reason(data.replace("\"", ""))
        .map(r -> Reverts.solidityName(r))
        .orElse("unknown (" + data + ")");
  }

  private static List<Transaction> awaitPending(int n) throws Exception {
    for (int i = 0; i < 3000; i++) {
      List<Transaction> p =
          new Request<>("txpool_content", List.of(), http, TxPoolContent.class)
              .send()
              .getResult()
              .getPendingTransactions();
      if (p.size() >= n) {
        return p;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("fewer than " + n + " pending transactions after 30 s");
  }

  private static void automine(boolean on) throws Exception {
    new Request<>("evm_setAutomine", List.of(on), http, VoidResponse.class).send();
  }

  private static void mineBlock() throws Exception {
    new Request<>("evm_mine", List.of(), http, VoidResponse.class).send();
  }

  static <T extends Eip712.Struct> Signed<T> sign(Ledger l, T m, byte[] key) {
    return new Signed<>(
        m, Secp256k1.addressOf(key), Secp256k1.sign(Eip712.digest(l.domain(), m), key));
  }

  interface Body<T> {
    T run() throws Exception;
  }

  interface VoidBody {
    void run() throws Exception;
  }

  static <T> T unchecked(Body<T> b) {
    try {
      return b.run();
    } catch (Exception e) {
      throw new RuntimeException(e.getMessage(), e);
    }
  }

  static void uncheckedRun(VoidBody b) {
    unchecked(
        () -> {
          b.run();
          return null;
        });
  }
}
