package org.fedchain.ledger.rules;

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
import org.fedchain.core.receipt.DataGrant;
import org.fedchain.core.receipt.ModelUpdate;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.ledger.CitationRecord;
import org.fedchain.ledger.GrantRecord;
import org.fedchain.ledger.Mode;
import org.fedchain.ledger.Run;
import org.fedchain.ledger.RunConfig;
import org.fedchain.ledger.UpdateRecord;

/**
 * Fixed binary encoding of ledger records: deterministic, so every endorsing peer writes the same
 * bytes.
 */
final class Codec {
  private Codec() {}

  interface Writer {
    void write(DataOutputStream out) throws IOException;
  }

  interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  static byte[] encode(Writer w) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(b)) {
      w.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toByteArray();
  }

  static <T> T decode(byte[] bytes, Reader<T> r) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      T t = r.read(in);
      if (in.available() != 0) {
        throw new IllegalStateException("ledger record has " + in.available() + " trailing bytes");
      }
      return t;
    } catch (IOException e) {
      throw new IllegalStateException("ledger record is corrupt: " + e, e);
    }
  }

  static void hash(DataOutputStream out, Hash32 h) throws IOException {
    out.write(h.toBytes());
  }

  static Hash32 hash(DataInputStream in) throws IOException {
    byte[] b = new byte[32];
    in.readFully(b);
    return Hash32.of(b);
  }

  static void address(DataOutputStream out, Address a) throws IOException {
    out.write(a.toBytes());
  }

  static Address address(DataInputStream in) throws IOException {
    byte[] b = new byte[20];
    in.readFully(b);
    return Address.of(b);
  }

  static void big(DataOutputStream out, BigInteger v) throws IOException {
    bytes(out, v.toByteArray());
  }

  static BigInteger big(DataInputStream in) throws IOException {
    return new BigInteger(bytes(in));
  }

  static void bytes(DataOutputStream out, byte[] b) throws IOException {
    out.writeInt(b.length);
    out.write(b);
  }

  static byte[] bytes(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > 1 << 20) {
      throw new IOException("bad length " + n);
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  static byte[] big(BigInteger v) {
    return encode(out -> big(out, v));
  }

  static BigInteger big(byte[] b) {
    return decode(b, Codec::big);
  }

  private static void addresses(DataOutputStream out, List<Address> as) throws IOException {
    out.writeInt(as.size());
    for (Address a : as) {
      address(out, a);
    }
  }

  private static List<Address> addresses(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available() / 20) {
      throw new IOException("address list of " + n + " entries");
    }
    List<Address> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(address(in));
    }
    return out;
  }

  static byte[] run(Run r) {
    return encode(
        out -> {
          hash(out, r.runId());
          address(out, r.coordinator());
          RunConfig c = r.config();
          out.writeByte(c.mode().ordinal());
          out.writeBoolean(c.commitReveal());
          out.writeByte(c.quorum());
          addresses(out, c.validators());
          addresses(out, c.admitted());
          hash(out, c.nonce());
          big(out, c.budget());
          big(out, c.rewardPerPoint());
          out.writeLong(c.claimWindow());
          hash(out, r.genesisUpdate());
          hash(out, r.genesisModel());
          big(out, r.paid());
          out.writeBoolean(r.open());
          out.writeLong(r.closedAt());
          if (c.hasRoyalty() || c.hasSpec()) { // last and optional: older runs still read
            address(out, c.royaltyTo());
            out.writeShort(c.royalty());
            hash(out, c.spec());
            out.writeShort(c.specRoyalty());
          }
        });
  }

  static Run run(byte[] bytes) {
    return decode(
        bytes,
        in -> {
          Hash32 runId = hash(in);
          Address coordinator = address(in);
          Mode mode = Mode.fromCode(in.readUnsignedByte());
          boolean commitReveal = in.readBoolean();
          int quorum = in.readUnsignedByte();
          List<Address> validators = addresses(in);
          List<Address> admitted = addresses(in);
          Hash32 nonce = hash(in);
          BigInteger budget = big(in);
          BigInteger rate = big(in);
          long window = in.readLong();
          Hash32 genesisUpdate = hash(in);
          Hash32 genesisModel = hash(in);
          BigInteger paid = big(in);
          boolean open = in.readBoolean();
          long closedAt = in.readLong();
          Address royaltyTo = in.available() > 0 ? address(in) : Address.ZERO;
          int royalty = in.available() > 0 ? in.readUnsignedShort() : 0;
          Hash32 spec = in.available() > 0 ? hash(in) : Hash32.ZERO;
          int specRoyalty = in.available() > 0 ? in.readUnsignedShort() : 0;
          RunConfig c =
              new RunConfig(
                  mode,
                  commitReveal,
                  validators,
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
          return new Run(runId, coordinator, c, genesisUpdate, genesisModel, paid, open, closedAt);
        });
  }

  static byte[] grant(GrantRecord r) {
    return encode(
        out -> {
          hash(out, r.grantId());
          DataGrant g = r.grant();
          address(out, g.owner());
          hash(out, g.dataset());
          out.writeLong(g.samples());
          address(out, g.node());
          hash(out, g.runId());
          out.writeShort(g.share());
          out.writeLong(g.expiry());
          hash(out, g.nonce());
          out.writeBoolean(r.revoked());
        });
  }

  static GrantRecord grant(byte[] bytes) {
    return decode(
        bytes,
        in ->
            new GrantRecord(
                hash(in),
                new DataGrant(
                    address(in),
                    hash(in),
                    in.readLong(),
                    address(in),
                    hash(in),
                    in.readUnsignedShort(),
                    in.readLong(),
                    hash(in)),
                in.readBoolean()));
  }

  static byte[] citation(CitationRecord c) {
    return encode(
        out -> {
          hash(out, c.updateId());
          hash(out, c.grantId());
          address(out, c.owner());
          out.writeShort(c.share());
          out.writeLong(c.samples());
          big(out, c.paid());
        });
  }

  static CitationRecord citation(byte[] bytes) {
    return decode(
        bytes,
        in ->
            new CitationRecord(
                hash(in), hash(in), address(in), in.readUnsignedShort(), in.readLong(), big(in)));
  }

  static byte[] update(UpdateRecord r) {
    return encode(
        out -> {
          hash(out, r.updateId());
          ModelUpdate u = r.receipt();
          hash(out, u.runId());
          out.writeLong(u.seq());
          out.writeByte(u.kind().code());
          hash(out, u.parent());
          hash(out, u.model());
          hash(out, u.manifest());
          hash(out, u.data());
          out.writeLong(u.samples());
          address(out, r.contributor());
          bytes(out, r.signature());
          out.writeLong(r.height());
        });
  }

  static UpdateRecord update(byte[] bytes) {
    return decode(
        bytes,
        in -> {
          Hash32 id = hash(in);
          ModelUpdate u =
              new ModelUpdate(
                  hash(in),
                  in.readLong(),
                  UpdateKind.fromCode(in.readUnsignedByte()),
                  hash(in),
                  hash(in),
                  hash(in),
                  hash(in),
                  in.readLong(),
                  address(in));
          return new UpdateRecord(id, u, bytes(in), in.readLong());
        });
  }

  static byte[] u64(long v) {
    return encode(out -> out.writeLong(v));
  }

  static long u64(byte[] b) {
    return decode(b, DataInputStream::readLong);
  }
}
