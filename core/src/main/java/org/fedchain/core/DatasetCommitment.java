package org.fedchain.core;

import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Merkle commitment to a training set: leaves are the SHA-256 hashes of the samples, sorted and
 * de-duplicated; {@code leaf = SHA-256(0x00 || sampleHash)}, {@code node = SHA-256(0x01 || left ||
 * right)}, an odd node is carried up unchanged. The prefixes keep a leaf from passing as a node.
 * The root of the empty set is zero.
 */
public final class DatasetCommitment {
  private DatasetCommitment() {}

  /** One step of an inclusion proof: the sibling hash and whether it sits on the left. */
  public record Step(Hash32 sibling, boolean siblingOnLeft) {}

  public static Hash32 root(Collection<Hash32> sampleHashes) {
    List<Hash32> level = leaves(sampleHashes);
    if (level.isEmpty()) {
      return Hash32.ZERO;
    }
    while (level.size() > 1) {
      level = up(level);
    }
    return level.get(0);
  }

  /** Inclusion proof for one sample, from leaf to root. */
  public static List<Step> proof(Collection<Hash32> sampleHashes, Hash32 sample) {
    List<Hash32> level = leaves(sampleHashes);
    int i = level.indexOf(leaf(sample));
    if (i < 0) {
      throw new IllegalArgumentException("sample " + sample + " is not in the set");
    }
    List<Step> steps = new ArrayList<>();
    while (level.size() > 1) {
      int sibling = i ^ 1;
      if (sibling < level.size()) {
        steps.add(new Step(level.get(sibling), sibling < i));
      }
      level = up(level);
      i /= 2;
    }
    return steps;
  }

  public static boolean verify(Hash32 root, Hash32 sample, List<Step> proof) {
    Hash32 h = leaf(sample);
    for (Step s : proof) {
      h = s.siblingOnLeft ? node(s.sibling, h) : node(h, s.sibling);
    }
    return h.equals(root);
  }

  private static List<Hash32> leaves(Collection<Hash32> samples) {
    List<Hash32> out = new ArrayList<>();
    for (Hash32 s : new TreeSet<>(samples)) {
      out.add(leaf(s));
    }
    return out;
  }

  private static List<Hash32> up(List<Hash32> level) {
    List<Hash32> next = new ArrayList<>((level.size() + 1) / 2);
    for (int i = 0; i < level.size(); i += 2) {
      next.add(i + 1 < level.size() ? node(level.get(i), level.get(i + 1)) : level.get(i));
    }
    return next;
  }

  private static Hash32 leaf(Hash32 sample) {
    MessageDigest md = Hash32.sha256Digest();
    md.update((byte) 0);
    md.update(sample.toBytes());
    return Hash32.of(md.digest());
  }

  private static Hash32 node(Hash32 l, Hash32 r) {
    MessageDigest md = Hash32.sha256Digest();
    md.update((byte) 1);
    md.update(l.toBytes());
    md.update(r.toBytes());
    return Hash32.of(md.digest());
  }
}
