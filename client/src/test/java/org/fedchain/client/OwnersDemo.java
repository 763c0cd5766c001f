package org.fedchain.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the demo with data owners must show on any ledger: 4 owners lend their shards to 2 nodes,
 * each claim pays the genesis model's owner 5% and the spec's author 2%, each data owner 50% of the
 * rest pro rata to its samples, the node the remainder; every part sums to the claimed rewards.
 */
final class OwnersDemo {
  private OwnersDemo() {}

  static final List<String> ARGS = List.of("--owners", "4", "--epochs", "1", "--arch", "mlp");

  static void check(String demo) {
    assertThat(demo).contains("audit OK: 3 updates verified");
    List<BigDecimal> rewards = new ArrayList<>();
    Matcher hop =
        Pattern.compile("(?m)^[12]\\s+0x\\S+\\s+\\S+\\s+\\S+\\s+\\S+\\s+\\S+\\s+([0-9.]+)$")
            .matcher(demo);
    while (hop.find()) {
      rewards.add(new BigDecimal(hop.group(1)));
    }
    assertThat(rewards).as("the two hops' rewards in\n%s", demo).hasSize(2);
    BigDecimal claimed = rewards.get(0).add(rewards.get(1));
    assertThat(claimed.signum()).isPositive();

    List<BigDecimal> owners = balances(demo, "\\(owner\\d, data owner\\)");
    BigDecimal modeler = balances(demo, "\\(modeler, genesis model royalty\\)").get(0);
    BigDecimal author = balances(demo, "\\(author, model spec royalty\\)").get(0);
    List<BigDecimal> nodes = balances(demo, "");
    assertThat(owners).hasSize(4);
    assertThat(nodes).hasSize(2);
    // each node's two owners hold half its samples each at a 50% share: together they get what
    // the node keeps, each half of it (to the wei: the parts are rounded down)
    for (int n = 0; n < 2; n++) {
      BigDecimal reward = rewards.get(n);
      BigDecimal rest = reward.multiply(new BigDecimal("0.93"));
      assertThat(owners.get(2 * n)).isEqualByComparingTo(rest.divide(new BigDecimal(4)));
      assertThat(owners.get(2 * n + 1)).isEqualByComparingTo(owners.get(2 * n));
      assertThat(nodes.get(n))
          .isEqualByComparingTo(rest.subtract(owners.get(2 * n).multiply(new BigDecimal(2))));
    }
    assertThat(modeler).isEqualByComparingTo(claimed.multiply(new BigDecimal("0.05")));
    assertThat(author).isEqualByComparingTo(claimed.multiply(new BigDecimal("0.02")));
    BigDecimal paid = author.add(modeler);
    for (BigDecimal b : owners) {
      paid = paid.add(b);
    }
    for (BigDecimal b : nodes) {
      paid = paid.add(b);
    }
    assertThat(paid).as("every part of the claimed rewards").isEqualByComparingTo(claimed);
  }

  /** The balances the demo printed for lines ending in {@code suffix} (nodes: no suffix). */
  private static List<BigDecimal> balances(String demo, String suffix) {
    List<BigDecimal> out = new ArrayList<>();
    Matcher m =
        Pattern.compile(
                "(?m)^  balance 0x[0-9a-fA-F]{40} ([0-9.]+) VNX"
                    + (suffix.isEmpty() ? "$" : " " + suffix))
            .matcher(demo);
    while (m.find()) {
      out.add(new BigDecimal(m.group(1)));
    }
    return out;
  }
}
