package org.fedchain.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fedchain.core.Address;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.Reason;
import org.fedchain.ledger.RejectedException;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.TransactionSigner;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Architectures;
import org.fedchain.trainer.FashionMnist;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.aggregate.Strategies;
import org.fedchain.wallet.EthereumIdentity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shapley scores of a real FedAvg round on real Fashion-MNIST (10 IID clients, a free-rider that
 * sends the global model back with noise, a label flipper), computed by a validator from the
 * recorded models and paid through the ledger.
 */
class ShapleyRoundTest {
  static final int ROUNDS = 4;
  static final int SHARD = 2000;
  @TempDir Path dir;

  @Test
  void honest_clients_score_alike_a_free_rider_about_nothing_and_a_label_flipper_is_not_paid()
      throws Exception {
    Architecture mlp = Architectures.get("fmnist-mlp/1");
    TrainingConfig config = TrainingConfig.builder().epochs(1).batchSize(32).seed(3).build();
    Samples train = FashionMnist.standard().train();
    Samples heldOut = FashionMnist.standard().test().slice(0, 2000);
    EthereumIdentity coordinator = ChainGateTest.key("coordinator");
    EthereumIdentity validator = ChainGateTest.key("validator");
    List<FedAvgFlow.Client> clients = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      FedAvgFlow.Behaviour b =
          i == 10
              ? FedAvgFlow.Behaviour.FREE_RIDE
              : i == 11 ? FedAvgFlow.Behaviour.LABEL_FLIP : FedAvgFlow.Behaviour.HONEST;
      clients.add(
          new FedAvgFlow.Client(
              "client" + i,
              ChainGateTest.key("client" + i),
              train.slice(SHARD * i, SHARD * (i + 1)),
              1,
              b));
    }
    // the coordinator sends the transactions, so it is the embedded ledger's mint authority
    TransactionSigner sender =
        TransactionSigner.ofKey(
            org.fedchain.core.Hash32.sha256("coordinator".getBytes(StandardCharsets.UTF_8))
                .toBytes());
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"), sender)) {
      BlobStore store = BlobStore.open(dir.resolve("store"));
      BigInteger budget = BigInteger.TEN.pow(22);
      ledger.mint(coordinator.address(), budget);
      RunConfig terms =
          new RunConfig(
                  Mode.DATA_PARALLEL,
                  false,
                  List.of(validator.address()),
                  1,
                  budget,
                  BigInteger.TEN.pow(15)) // 0.001 VNX per basis point
              .withClaimWindow(0);
      FedAvgFlow flow = new FedAvgFlow(ledger, store, mlp, config, Strategies.fedAvg());
      var genesis = flow.openRun(coordinator, mlp.initialTensors(1), "test", terms);
      Validator v =
          new Validator(ledger, store, validator, heldOut, Validator.Pay.SHAPLEY)
              .shapley(new Shapley.Options(10, 8, 0.01, 1));
      v.commitEvalSet(); // before the first round
      Map<Address, Double> value = new java.util.HashMap<>();
      Map<Address, BigInteger> paid = new java.util.HashMap<>();
      Map<Address, Integer> unpaid = new java.util.HashMap<>();
      var global = genesis;
      for (int r = 1; r <= ROUNDS; r++) {
        global = flow.round(coordinator, r, global, clients, 1, 0, 3).global();
        List<Validator.Score> scores = v.validate(genesis.receipt().runId());
        assertThat(scores).hasSize(12); // the round just closed, nothing else
        String report = new String(store.get(scores.get(0).report()), StandardCharsets.UTF_8);
        assertThat(report).contains("\"method\":\"gtg-shapley\"").contains("\"permutations\":96");
        for (Validator.Score sc : scores) {
          Address who = sc.update().contributor();
          value.merge(who, sc.gain(), Double::sum);
          try {
            paid.merge(who, ledger.claim(sc.update().updateId()), BigInteger::add);
          } catch (RejectedException e) {
            assertThat(e.reason()).isEqualTo(Reason.NOTHING_TO_PAY);
            unpaid.merge(who, 1, Integer::sum);
          }
        }
      }
      assertThat(v.validate(genesis.receipt().runId())).isEmpty(); // nothing left to score

      double[] honest = new double[10];
      BigInteger[] honestPay = new BigInteger[10];
      for (int i = 0; i < 10; i++) {
        honest[i] = value.get(clients.get(i).identity().address());
        honestPay[i] = paid.getOrDefault(clients.get(i).identity().address(), BigInteger.ZERO);
      }
      double mean = java.util.Arrays.stream(honest).average().orElseThrow();
      Address freeRider = clients.get(10).identity().address();
      Address flipper = clients.get(11).identity().address();
      double free = value.get(freeRider);
      double flip = value.get(flipper);
      System.out.printf(
          "Shapley over %d rounds (held-out loss reduced): honest %s (mean %.4f), free-rider %.4f"
              + " (%.1f%% of the mean), label flipper %.4f; paid %s, free-rider %s, flipper %s%n",
          ROUNDS,
          java.util.Arrays.toString(honest),
          mean,
          free,
          100 * free / mean,
          flip,
          java.util.Arrays.toString(honestPay),
          paid.get(freeRider),
          paid.get(flipper));
      assertThat(mean).isGreaterThan(0.01);
      for (double h : honest) {
        assertThat(h).isCloseTo(mean, within(0.25 * mean));
      }
      assertThat(free).isLessThan(0.05 * mean);
      assertThat(flip).isLessThanOrEqualTo(0);
      // pay follows: honest clients alike (within +-25% of each other's mean), the flipper nothing
      BigInteger least =
          java.util.Arrays.stream(honestPay).min(BigInteger::compareTo).orElseThrow();
      BigInteger most = java.util.Arrays.stream(honestPay).max(BigInteger::compareTo).orElseThrow();
      assertThat(least.signum()).isPositive();
      assertThat(most.multiply(BigInteger.valueOf(3)))
          .isLessThan(least.multiply(BigInteger.valueOf(5)));
      assertThat(unpaid.get(flipper)).isEqualTo(ROUNDS);
      assertThat(ledger.balance(clients.get(11).identity().address())).isZero();
    }
  }
}
