package org.fedchain.ledger.embedded;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.receipt.Admit;
import org.fedchain.core.receipt.Attestation;
import org.fedchain.core.receipt.CloseRun;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.RejectedException;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.rules.Rules;
import org.fedchain.ledger.rules.State;

/** A write call as the log stores it: enough to replay it through the rules. */
sealed interface Call {
  String op();

  void write(DataOutputStream out) throws IOException;

  /** Applies the call; returns what the rules returned. */
  Object apply(Rules rules, State s) throws RejectedException;

  record OpenRun(RunConfig config, Signed<ModelUpdate> genesis) implements Call {
    public String op() {
      return "openRun";
    }

    public void write(DataOutputStream out) throws IOException {
      out.writeByte(config.mode().ordinal());
      out.writeBoolean(config.commitReveal());
      out.writeByte(config.quorum());
      addresses(out, config.validators());
      addresses(out, config.admitted());
      out.write(config.nonce().toBytes());
      big(out, config.budget());
      big(out, config.rewardPerPoint());
      writeUpdate(out, genesis);
    }

    public Object apply(Rules rules, State s) throws RejectedException {
      return rules.openRun(s, config, genesis);
    }
  }

  record Submit(Signed<ModelUpdate> update) implements Call {
    public String op() {
      return "submit";
    }

    public void write(DataOutputStream out) throws IOException {
      writeUpdate(out, update);
    }

    public Object apply(Rules rules, State s) throws RejectedException {
      return rules.submit(s, update);
    }
  }

  record Commit(Hash32 commitment) implements Call {
    public String op() {
      return "commit";
    }

    public void write(DataOutputStream out) throws IOException {
      out.write(commitment.toBytes());
    }

    public Object apply(Rules rules, State s) throws RejectedException {
      rules.commit(s, commitment);
      return commitment;
    }
  }

  record Attest(Signed<Attestation> attestation) implements Call {
    public String op() {
      return "attest";
    }

    public void write(DataOutputStream out) throws IOException {
      Attestation a = attestation.message();
      out.write(a.updateId().toBytes());
      out.writeLong(a.score());
      out.write(a.evalSet().toBytes());
      out.write(a.report().toBytes());
      signature(out, attestation);
    }

    public Object apply(Rules rules, State s) throws RejectedException {
      rules.attest(s, attestation);
      return attestation;
    }
  }

  record Claim(Hash32 updateId) implements Call {
    public String op() {
      return "claim";
    }

    public void write(DataOutputStream out) throws IOException {
      out.write(updateId.toBytes());
    }

    public Object apply(Rules rules, State s) throws RejectedException {
      return rules.claim(s, updateId);
    }
  }

  record Close(Signed<CloseRun> close) implements Call {
    public String op() {
      return "closeRun";
    }

    public void write(DataOutputStream out) throws IOException {
      out.write(close.message().runId().toBytes());
      signature(out, close);
    }

    public Object apply(Rules rules, State s) throws RejectedException {
      rules.closeRun(s, close);
      return close;
    }
  }

  record AdmitNode(Signed<Admit> admission) implements Call {
    public String op() {
      return "admit";
    }

    public void write(DataOutputStream out) throws IOException {
      out.write(admission.message().runId().toBytes());
      out.write(admission.message().node().toBytes());
      signature(out, admission);
    }

    public Object apply(Rules rules, State s) throws RejectedException {
      rules.admit(s, admission);
      return admission;
    }
  }

  record Mint(Address to, BigInteger amount) implements Call {
    public String op() {
      return "mint";
    }

    public void write(DataOutputStream out) throws IOException {
      out.write(to.toBytes());
      big(out, amount);
    }

    public Object apply(Rules rules, State s) throws RejectedException {
      rules.mint(s, to, amount);
      return amount;
    }
  }

  static byte[] encode(Call c) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(b)) {
      c.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  static Call decode(String op, byte[] bytes) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    Call c =
        switch (op) {
          case "openRun" -> {
            Mode mode = Mode.fromCode(in.readUnsignedByte());
            boolean cr = in.readBoolean();
            int quorum = in.readUnsignedByte();
            List<Address> vs = addresses(in);
            List<Address> admitted = addresses(in);
            Hash32 nonce = Hash32.of(read(in, 32));
            BigInteger budget = big(in);
            RunConfig config =
                new RunConfig(mode, cr, vs, quorum, budget, big(in), admitted, nonce);
            yield new OpenRun(config, readUpdate(in));
          }
          case "submit" -> new Submit(readUpdate(in));
          case "commit" -> new Commit(Hash32.of(read(in, 32)));
          case "attest" -> {
            Attestation a =
                new Attestation(
                    Hash32.of(read(in, 32)),
                    in.readLong(),
                    Hash32.of(read(in, 32)),
                    Hash32.of(read(in, 32)));
            Address signer = Address.of(read(in, 20));
            yield new Attest(new Signed<>(a, signer, read(in, in.readInt())));
          }
          case "claim" -> new Claim(Hash32.of(read(in, 32)));
          case "closeRun" -> {
            CloseRun cr = new CloseRun(Hash32.of(read(in, 32)));
            Address signer = Address.of(read(in, 20));
            yield new Close(new Signed<>(cr, signer, read(in, in.readInt())));
          }
          case "admit" -> {
            Admit a = new Admit(Hash32.of(read(in, 32)), Address.of(read(in, 20)));
            Address signer = Address.of(read(in, 20));
            yield new AdmitNode(new Signed<>(a, signer, read(in, in.readInt())));
          }
          case "mint" -> new Mint(Address.of(read(in, 20)), big(in));
          default -> throw new IOException("unknown call '" + op + "'");
        };
    if (in.available() != 0) {
      throw new IOException("call has trailing bytes");
    }
    return c;
  }

  private static void writeUpdate(DataOutputStream out, Signed<ModelUpdate> s) throws IOException {
    ModelUpdate u = s.message();
    out.write(u.runId().toBytes());
    out.writeLong(u.seq());
    out.writeByte(u.kind().code());
    out.write(u.parent().toBytes());
    out.write(u.model().toBytes());
    out.write(u.manifest().toBytes());
    out.write(u.data().toBytes());
    out.writeLong(u.samples());
    out.write(u.contributor().toBytes());
    signature(out, s);
  }

  private static Signed<ModelUpdate> readUpdate(DataInputStream in) throws IOException {
    ModelUpdate u =
        new ModelUpdate(
            Hash32.of(read(in, 32)),
            in.readLong(),
            UpdateKind.fromCode(in.readUnsignedByte()),
            Hash32.of(read(in, 32)),
            Hash32.of(read(in, 32)),
            Hash32.of(read(in, 32)),
            Hash32.of(read(in, 32)),
            in.readLong(),
            Address.of(read(in, 20)));
    Address signer = Address.of(read(in, 20));
    return new Signed<>(u, signer, read(in, in.readInt()));
  }

  private static void addresses(DataOutputStream out, List<Address> as) throws IOException {
    out.writeInt(as.size());
    for (Address a : as) {
      out.write(a.toBytes());
    }
  }

  private static List<Address> addresses(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available() / 20) {
      throw new IOException("bad address count " + n);
    }
    List<Address> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(Address.of(read(in, 20)));
    }
    return out;
  }

  private static void signature(DataOutputStream out, Signed<?> s) throws IOException {
    out.write(s.signer().toBytes());
    byte[] sig = s.signature();
    out.writeInt(sig.length);
    out.write(sig);
  }

  private static void big(DataOutputStream out, BigInteger v) throws IOException {
    byte[] b = v.toByteArray();
    out.writeInt(b.length);
    out.write(b);
  }

  private static BigInteger big(DataInputStream in) throws IOException {
    return new BigInteger(read(in, in.readInt()));
  }

  private static byte[] read(DataInputStream in, int n) throws IOException {
    if (n < 0 || n > 1 << 16) {
      throw new IOException("bad length " + n);
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }
}
