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
import org.fedchain.core.receipt.Citation;
import org.fedchain.core.receipt.CloseRun;
import org.fedchain.core.receipt.DataGrant;
import org.fedchain.core.receipt.Mint;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.Publication;
import org.fedchain.core.receipt.RevokeGrant;
import org.fedchain.core.receipt.Signed;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.Reason;
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
      out.writeLong(config.claimWindow());
      writeUpdate(out, genesis);
      if (config.hasRoyalty() || config.hasSpec()) { // last and optional: older logs still read
        out.write(config.royaltyTo().toBytes());
        out.writeShort(config.royalty());
        out.write(config.spec().toBytes());
        out.writeShort(config.specRoyalty());
      }
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

  /**
   * An attestation at {@code at} (seconds, this machine's clock, kept for replay: it may start the
   * claim window). Logs written before the window existed hold op "attest" without a time: 0.
   */
  record Attest(Signed<Attestation> attestation, long at) implements Call {
    public String op() {
      return "attestAt";
    }

    public void write(DataOutputStream out) throws IOException {
      Attestation a = attestation.message();
      out.write(a.updateId().toBytes());
      out.writeLong(a.score());
      out.write(a.evalSet().toBytes());
      out.write(a.report().toBytes());
      signature(out, attestation);
      out.writeLong(at);
    }

    public Object apply(Rules rules, State s) throws RejectedException {
      rules.attest(s, attestation, at);
      return attestation;
    }
  }

  /** A claim at {@code at} (seconds, kept for replay); old logs' op "claim" has none: 0. */
  record Claim(Hash32 updateId, long at) implements Call {
    public String op() {
      return "claimAt";
    }

    public void write(DataOutputStream out) throws IOException {
      out.write(updateId.toBytes());
      out.writeLong(at);
    }

    public Object apply(Rules rules, State s) throws RejectedException {
      return rules.claim(s, updateId, at);
    }
  }

  /** A close at {@code at}, seconds since the epoch by this machine's clock, kept for replay. */
  record Close(Signed<CloseRun> close, long at) implements Call {
    public String op() {
      return "closeRun";
    }

    public void write(DataOutputStream out) throws IOException {
      out.write(close.message().runId().toBytes());
      signature(out, close);
      out.writeLong(at);
    }

    public Object apply(Rules rules, State s) throws RejectedException {
      rules.closeRun(s, close, at);
      return close;
    }
  }

  record Reclaim(Hash32 runId, long at) implements Call {
    public String op() {
      return "reclaim";
    }

    public void write(DataOutputStream out) throws IOException {
      out.write(runId.toBytes());
      out.writeLong(at);
    }

    public Object apply(Rules rules, State s) throws RejectedException {
      return rules.reclaim(s, runId, at);
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

  record Grant(Signed<DataGrant> grant) implements Call {
    public String op() {
      return "grant";
    }

    public void write(DataOutputStream out) throws IOException {
      DataGrant g = grant.message();
      out.write(g.owner().toBytes());
      out.write(g.dataset().toBytes());
      out.writeLong(g.samples());
      out.write(g.node().toBytes());
      out.write(g.runId().toBytes());
      out.writeShort(g.share());
      out.writeLong(g.expiry());
      out.write(g.nonce().toBytes());
      signature(out, grant);
    }

    public Object apply(Rules rules, State s) throws RejectedException {
      return rules.grant(s, grant);
    }
  }

  record Revoke(Signed<RevokeGrant> revoke) implements Call {
    public String op() {
      return "revokeGrant";
    }

    public void write(DataOutputStream out) throws IOException {
      out.write(revoke.message().grantId().toBytes());
      signature(out, revoke);
    }

    public Object apply(Rules rules, State s) throws RejectedException {
      rules.revokeGrant(s, revoke);
      return revoke;
    }
  }

  record Publish(Signed<Publication> publication) implements Call {
    public String op() {
      return "publish";
    }

    public void write(DataOutputStream out) throws IOException {
      out.write(publication.message().spec().toBytes());
      out.write(publication.message().author().toBytes());
      signature(out, publication);
    }

    public Object apply(Rules rules, State s) throws RejectedException {
      rules.publish(s, publication);
      return publication;
    }
  }

  /** A citation at {@code at} (seconds, kept for replay: a grant's expiry is checked at it). */
  record Cite(Signed<Citation> citation, long at) implements Call {
    public String op() {
      return "cite";
    }

    public void write(DataOutputStream out) throws IOException {
      Citation c = citation.message();
      out.write(c.updateId().toBytes());
      out.write(c.grantId().toBytes());
      out.writeLong(c.samples());
      signature(out, citation);
      out.writeLong(at);
    }

    public Object apply(Rules rules, State s) throws RejectedException {
      rules.cite(s, citation, at);
      return citation;
    }
  }

  /**
   * A mint order signed by the ledger's mint authority for the log entry it is written at. The
   * first order on a ledger names its authority (as deploying a token names its owner); every later
   * one must be signed by it.
   */
  record MintVnx(Signed<Mint> order) implements Call {
    static final String AUTHORITY_KEY = "authority";

    public String op() {
      return "mint";
    }

    public void write(DataOutputStream out) throws IOException {
      out.write(order.message().to().toBytes());
      big(out, order.message().amount());
      signature(out, order);
    }

    public Object apply(Rules rules, State s) throws RejectedException {
      Mint m = order.message();
      if (m.entry() != s.height()) {
        throw new RejectedException(
            Reason.WRONG_SIGNER,
            "the mint order is for log entry " + m.entry() + ", this is entry " + s.height());
      }
      Address who = Rules.signer(order.digest(rules.domain()), order);
      java.util.Optional<byte[]> authority = s.get(AUTHORITY_KEY);
      if (authority.isPresent() && !Address.of(authority.get()).equals(who)) {
        throw new RejectedException(
            Reason.NOT_MINTER,
            who
                + " may not mint on this ledger; its mint authority is "
                + Address.of(authority.get()));
      }
      rules.mint(s, m.to(), m.amount());
      if (authority.isEmpty()) {
        s.put(AUTHORITY_KEY, who.toBytes());
      }
      return m.amount();
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

  /** The call logged as entry {@code entry} (which a mint order is signed for). */
  static Call decode(String op, byte[] bytes, long entry) throws IOException {
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
            BigInteger rate = big(in);
            long window = in.readLong();
            Signed<ModelUpdate> genesis = readUpdate(in);
            // authors' royalties: absent in logs from before them, the spec's after the genesis'
            Address royaltyTo = in.available() > 0 ? Address.of(read(in, 20)) : Address.ZERO;
            int royalty = in.available() > 0 ? in.readUnsignedShort() : 0;
            Hash32 spec = in.available() > 0 ? Hash32.of(read(in, 32)) : Hash32.ZERO;
            int specRoyalty = in.available() > 0 ? in.readUnsignedShort() : 0;
            RunConfig config =
                new RunConfig(
                    mode,
                    cr,
                    vs,
                    quorum,
                    budget,
                    rate,
                    window,
                    royaltyTo,
                    royalty,
                    spec,
                    specRoyalty,
                    admitted,
                    nonce);
            yield new OpenRun(config, genesis);
          }
          case "submit" -> new Submit(readUpdate(in));
          case "commit" -> new Commit(Hash32.of(read(in, 32)));
          case "attest", "attestAt" -> {
            Attestation a =
                new Attestation(
                    Hash32.of(read(in, 32)),
                    in.readLong(),
                    Hash32.of(read(in, 32)),
                    Hash32.of(read(in, 32)));
            Address signer = Address.of(read(in, 20));
            Signed<Attestation> signed = new Signed<>(a, signer, read(in, in.readInt()));
            yield new Attest(signed, op.equals("attestAt") ? in.readLong() : 0);
          }
          case "claim" -> new Claim(Hash32.of(read(in, 32)), 0);
          case "claimAt" -> new Claim(Hash32.of(read(in, 32)), in.readLong());
          case "closeRun" -> {
            CloseRun cr = new CloseRun(Hash32.of(read(in, 32)));
            Address signer = Address.of(read(in, 20));
            byte[] sig = read(in, in.readInt());
            yield new Close(new Signed<>(cr, signer, sig), in.readLong());
          }
          case "reclaim" -> new Reclaim(Hash32.of(read(in, 32)), in.readLong());
          case "admit" -> {
            Admit a = new Admit(Hash32.of(read(in, 32)), Address.of(read(in, 20)));
            Address signer = Address.of(read(in, 20));
            yield new AdmitNode(new Signed<>(a, signer, read(in, in.readInt())));
          }
          case "grant" -> {
            DataGrant g =
                new DataGrant(
                    Address.of(read(in, 20)),
                    Hash32.of(read(in, 32)),
                    in.readLong(),
                    Address.of(read(in, 20)),
                    Hash32.of(read(in, 32)),
                    in.readUnsignedShort(),
                    in.readLong(),
                    Hash32.of(read(in, 32)));
            Address signer = Address.of(read(in, 20));
            yield new Grant(new Signed<>(g, signer, read(in, in.readInt())));
          }
          case "publish" -> {
            Publication p = new Publication(Hash32.of(read(in, 32)), Address.of(read(in, 20)));
            Address signer = Address.of(read(in, 20));
            yield new Publish(new Signed<>(p, signer, read(in, in.readInt())));
          }
          case "revokeGrant" -> {
            RevokeGrant r = new RevokeGrant(Hash32.of(read(in, 32)));
            Address signer = Address.of(read(in, 20));
            yield new Revoke(new Signed<>(r, signer, read(in, in.readInt())));
          }
          case "cite" -> {
            Citation cited =
                new Citation(Hash32.of(read(in, 32)), Hash32.of(read(in, 32)), in.readLong());
            Address signer = Address.of(read(in, 20));
            Signed<Citation> signed = new Signed<>(cited, signer, read(in, in.readInt()));
            yield new Cite(signed, in.readLong());
          }
          case "mint" -> {
            Mint m = new Mint(Address.of(read(in, 20)), big(in), entry);
            Address signer = Address.of(read(in, 20));
            yield new MintVnx(new Signed<>(m, signer, read(in, in.readInt())));
          }
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
