package org.fedchain.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class DatasetCommitmentTest {
  static List<Hash32> samples(int n) {
    List<Hash32> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(Hash32.sha256(("sample " + i).getBytes(StandardCharsets.UTF_8)));
    }
    return out;
  }

  @Test
  void root_does_not_depend_on_sample_order() {
    List<Hash32> s = samples(11);
    List<Hash32> shuffled = new ArrayList<>(s);
    Collections.shuffle(shuffled, new java.util.Random(1));
    assertThat(DatasetCommitment.root(shuffled)).isEqualTo(DatasetCommitment.root(s));
  }

  @Test
  void root_changes_when_one_sample_changes() {
    List<Hash32> s = samples(8);
    Hash32 before = DatasetCommitment.root(s);
    s.set(3, Hash32.sha256(new byte[] {1}));
    assertThat(DatasetCommitment.root(s)).isNotEqualTo(before);
  }

  @Test
  void every_sample_has_a_proof_that_verifies_and_outsiders_do_not() {
    for (int n : new int[] {1, 2, 3, 7, 16, 33}) {
      List<Hash32> s = samples(n);
      Hash32 root = DatasetCommitment.root(s);
      for (Hash32 x : s) {
        assertThat(DatasetCommitment.verify(root, x, DatasetCommitment.proof(s, x))).isTrue();
      }
      Hash32 outsider = Hash32.sha256(new byte[] {9});
      assertThat(DatasetCommitment.verify(root, outsider, DatasetCommitment.proof(s, s.get(0))))
          .isFalse();
    }
  }

  @Test
  void empty_set_commits_to_zero() {
    assertThat(DatasetCommitment.root(List.of())).isEqualTo(Hash32.ZERO);
  }
}
