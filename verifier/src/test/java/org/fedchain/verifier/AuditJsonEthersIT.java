package org.fedchain.verifier;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What `audit --json` prints lets ethers recompute every update id and recover every contributor.
 */
class AuditJsonEthersIT extends VerifierTest {
  @Test
  void ethers_recovers_every_contributor_from_the_audit_json() throws Exception {
    String json = AuditJson.write(new Verifier(ledger, store).audit(RUN), ledger.domain());
    Path nodeModules =
        Path.of(
            System.getProperty(
                "fedchain.cache", System.getProperty("user.home") + "/.cache/fedchain"),
            "node",
            "node_modules");
    ProcessBuilder pb =
        new ProcessBuilder("node", "src/test/js/verify-audit.cjs")
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("NODE_PATH", nodeModules.toString());
    Process p = pb.start();
    p.getOutputStream().write(json.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    List<String> lines =
        new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    assertThat(lines).hasSize(chain.size());
    for (int i = 0; i < chain.size(); i++) {
      assertThat(lines.get(i))
          .isEqualTo(chain.get(i).updateId() + " " + chain.get(i).contributor());
    }
  }
}
