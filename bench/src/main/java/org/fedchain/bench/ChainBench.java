package org.fedchain.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Tensor;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.Ledgers;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.RunConfig;
import org.fedchain.trainer.Architecture;
import org.fedchain.trainer.Architectures;
import org.fedchain.trainer.FashionMnist;
import org.fedchain.trainer.LocalTrainer;
import org.fedchain.trainer.ModelCodec;
import org.fedchain.trainer.ProgressListener;
import org.fedchain.trainer.Samples;
import org.fedchain.trainer.TrainingConfig;
import org.fedchain.trainer.TrainingResult;
import org.fedchain.wallet.EthereumIdentity;
import org.fedchain.wallet.Signers;

/**
 * What recording costs next to what training costs: one local epoch of the chained demo (CNN,
 * 20k-sample shard) against hashing the model, signing the EIP-712 receipt and recording it on the
 * embedded ledger (SQLite, synchronous=FULL). Usage: {@code scripts/bench.sh chain [updates]}.
 */
public final class ChainBench {
  private ChainBench() {}

  public static void main(String[] args) throws Exception {
    int updates = args.length > 0 ? Integer.parseInt(args[0]) : 200;
    Architecture arch = Architectures.get("fmnist-cnn/1");
    Samples shard = FashionMnist.standard().train().slice(0, 20_000);
    TrainingConfig config = TrainingConfig.builder().epochs(1).seed(1).threads(1).build();
    LocalTrainer.train(
        arch,
        arch.initialTensors(1),
        shard.slice(0, 640),
        config,
        ProgressListener.NONE); // warm-up
    TrainingResult r =
        LocalTrainer.train(arch, arch.initialTensors(1), shard, config, ProgressListener.NONE);
    List<Tensor> tensors = r.tensors();

    EthereumIdentity node = Signers.secp256k1(Hash32.sha256("bench node".getBytes()).toBytes());
    EthereumIdentity coordinator =
        Signers.secp256k1(Hash32.sha256("bench coordinator".getBytes()).toBytes());
    Path dir = Files.createTempDirectory("fedchain-bench");
    long[] hash = new long[updates];
    long[] sign = new long[updates];
    long[] record = new long[updates];
    try (Ledger ledger = Ledgers.open("embedded:" + dir.resolve("ledger.db"))) {
      RunConfig rc = RunConfig.unrewarded(Mode.CHAINED);
      Hash32 runId = rc.runId(coordinator.address());
      byte[] genesis = ModelCodec.write(arch.initialTensors(1));
      ModelUpdate g =
          new ModelUpdate(
              runId,
              0,
              UpdateKind.GENESIS,
              Hash32.ZERO,
              Hash32.sha256(genesis),
              Hash32.ZERO,
              rc.hash(),
              0,
              coordinator.address());
      ledger.openRun(
          rc,
          new Signed<>(
              g, coordinator.address(), coordinator.signer().sign(g.digest(ledger.domain()))));
      Hash32 parent = g.model();
      Hash32 data = shard.commitment();
      for (int i = 0; i < updates; i++) {
        // a distinct model per update (one weight nudged), the size of the real one
        List<Tensor> t = new java.util.ArrayList<>(tensors);
        float[] w = t.get(0).floats();
        w[0] += i + 1;
        t.set(0, Tensor.ofFloats(t.get(0).name(), t.get(0).shape(), w));
        byte[] file = ModelCodec.write(t);
        long t0 = System.nanoTime();
        Hash32 model = Hash32.sha256(file);
        long t1 = System.nanoTime();
        ModelUpdate u =
            new ModelUpdate(
                runId,
                i + 1,
                UpdateKind.CHAINED,
                parent,
                model,
                Hash32.ZERO,
                data,
                shard.size(),
                node.address());
        Signed<ModelUpdate> s =
            new Signed<>(u, node.address(), node.signer().sign(u.digest(ledger.domain())));
        long t2 = System.nanoTime();
        ledger.submit(s);
        long t3 = System.nanoTime();
        hash[i] = t1 - t0;
        sign[i] = t2 - t1;
        record[i] = t3 - t2;
        parent = model;
      }
    }
    int size = ModelCodec.write(tensors).length;
    double epochMs = r.seconds() * 1000;
    double h = median(hash) / 1e6;
    double s = median(sign) / 1e6;
    double rec = median(record) / 1e6;
    System.out.printf(
        "chained update, %s, %d-sample shard, model file %d bytes, %d updates recorded%n",
        arch.name(), shard.size(), size, updates);
    System.out.printf("%-34s %12s%n", "step", "median ms");
    System.out.printf(
        "%-34s %12.1f   <- reference: one local epoch%n", "train 1 epoch (DJL, 1 thread)", epochMs);
    System.out.printf("%-34s %12.3f%n", "hash model (SHA-256)", h);
    System.out.printf("%-34s %12.3f%n", "sign receipt (EIP-712, secp256k1)", s);
    System.out.printf("%-34s %12.3f%n", "record (embedded ledger, fsync)", rec);
    System.out.printf(
        "%-34s %12.3f   = %.3f%% of the epoch%n",
        "hash + sign + record", h + s + rec, 100 * (h + s + rec) / epochMs);
  }

  private static double median(long[] v) {
    long[] c = v.clone();
    Arrays.sort(c);
    return c[c.length / 2];
  }
}
