package org.fedchain.verifier;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;
import org.fedchain.core.model.Manifest;
import org.fedchain.core.receipt.UpdateKind;
import org.fedchain.core.store.BlobStore;
import org.fedchain.ledger.Ledger;
import org.fedchain.ledger.LedgerException;
import org.fedchain.ledger.Run;
import org.fedchain.ledger.UpdateRecord;
import org.fedchain.ledger.rules.Rules;

/**
 * An audit as one self-contained HTML page a person reads: the lineage graph (who continued whom,
 * rounds, stages), the metric each update reports over the run, each contributor's attested scores
 * and the reward the run's rule gives them, and every check, failed ones highlighted. No script, no
 * external file: it opens anywhere and can be archived with the run.
 */
public final class AuditReport {
  private AuditReport() {}

  /** The metrics a manifest may report (on the node's validation split: {@code val_*}). */
  private static final java.util.Set<String> METRICS =
      java.util.Set.of("accuracy", "macro_f1", "mae", "rmse");

  private static final int COLUMN = 150;
  private static final int ROW = 56;

  /**
   * The page for {@code audit} of a run on {@code ledger}, reading manifests from {@code store}.
   */
  public static String html(Ledger ledger, BlobStore store, RunAudit audit) throws LedgerException {
    Optional<Run> run = ledger.run(audit.runId());
    List<UpdateCheck> checks = audit.updates();
    Map<Hash32, Manifest> manifests = new HashMap<>();
    for (UpdateCheck c : checks) {
      try {
        manifests.put(
            c.update().updateId(), Manifest.parse(store.get(c.update().receipt().manifest())));
      } catch (Exception e) {
        // the check lists why; the page shows the update without its manifest's figures
      }
    }
    StringBuilder h = new StringBuilder();
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>FedChain audit ")
        .append(audit.runId().hex(), 0, 16)
        .append("</title><style>")
        .append("body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}")
        .append("h1{font-size:20px}h2{font-size:16px;margin-top:28px}")
        .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;")
        .append("text-align:left;vertical-align:top}th{background:#f3f3f3}")
        .append(".ok{color:#16632e}.fail{background:#fde2e2;color:#8b0000;font-weight:600}")
        .append("code{font-size:12px}.verdict{padding:6px 10px;display:inline-block}")
        .append("</style></head><body>\n");
    h.append("<h1>FedChain audit of run <code>")
        .append(audit.runId().hex())
        .append("</code></h1>\n");
    h.append(
        audit.ok()
            ? "<p class=\"verdict ok\">audit OK: " + checks.size() + " updates verified</p>\n"
            : "<p class=\"verdict fail\">audit FAILED: "
                + audit.failing().size()
                + " of "
                + checks.size()
                + " updates fail their checks</p>\n");
    run.ifPresent(
        r ->
            h.append("<p>mode ")
                .append(r.config().mode())
                .append(", coordinator <code>")
                .append(r.coordinator())
                .append("</code>, budget ")
                .append(vnx(r.config().budget()))
                .append(" VNX, paid ")
                .append(vnx(r.paid()))
                .append(" VNX, validators ")
                .append(r.config().validators().size())
                .append(", quorum ")
                .append(r.config().quorum())
                .append(r.open() ? ", open" : ", closed")
                .append("</p>\n"));
    h.append("<h2>Lineage</h2>\n").append(lineage(checks, manifests));
    h.append("<h2>Metric over the run</h2>\n").append(metric(checks, manifests));
    h.append("<h2>Contributors</h2>\n").append(contributors(ledger, run, checks));
    h.append("<h2>Checks</h2>\n").append(table(checks));
    h.append("</body></html>\n");
    return h.toString();
  }

  /** The lineage as an SVG: a column per seq, an arrow from each parent, dashed from inputs. */
  private static String lineage(List<UpdateCheck> checks, Map<Hash32, Manifest> manifests) {
    Map<Hash32, int[]> at = new HashMap<>(); // model hash -> x, y
    Map<Hash32, int[]> byId = new HashMap<>();
    Map<Long, Integer> perSeq = new TreeMap<>();
    int width = 0;
    int height = 0;
    for (UpdateCheck c : checks) {
      long seq = c.update().receipt().seq();
      int row = perSeq.merge(seq, 1, Integer::sum) - 1;
      int[] xy = {20 + (int) Math.min(seq, 1000) * COLUMN, 20 + row * ROW};
      at.putIfAbsent(c.update().receipt().model(), xy);
      byId.put(c.update().updateId(), xy);
      width = Math.max(width, xy[0] + COLUMN);
      height = Math.max(height, xy[1] + ROW);
    }
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(width)
        .append("\" height=\"")
        .append(height)
        .append("\" font-size=\"11\">")
        .append("<defs><marker id=\"a\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\"")
        .append(" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\">")
        .append("<path d=\"M0 0L10 5L0 10z\" fill=\"#777\"/></marker></defs>");
    for (UpdateCheck c : checks) {
      int[] to = byId.get(c.update().updateId());
      int[] from = at.get(c.update().receipt().parent());
      if (from != null && c.update().receipt().kind() != UpdateKind.GENESIS) {
        edge(s, from, to, false);
      }
      Manifest m = manifests.get(c.update().updateId());
      if (m != null) {
        for (Hash32 in : m.inputs()) {
          int[] src = byId.get(in);
          if (src != null) {
            edge(s, src, to, true);
          }
        }
      }
    }
    for (UpdateCheck c : checks) {
      int[] xy = byId.get(c.update().updateId());
      String fill = c.ok() ? "#e3f4e8" : "#fde2e2";
      String stroke = c.ok() ? "#16632e" : "#b00020";
      s.append("<g><title>")
          .append(esc(c.update().updateId().toString()))
          .append(c.ok() ? "" : ": " + esc(String.join("; ", c.problems())))
          .append("</title><rect x=\"")
          .append(xy[0])
          .append("\" y=\"")
          .append(xy[1])
          .append("\" width=\"120\" height=\"40\" rx=\"5\" fill=\"")
          .append(fill)
          .append("\" stroke=\"")
          .append(stroke)
          .append("\"/><text x=\"")
          .append(xy[0] + 6)
          .append("\" y=\"")
          .append(xy[1] + 15)
          .append("\">")
          .append(c.update().receipt().kind())
          .append(c.layers().isEmpty() ? "" : " " + esc(c.layers()))
          .append(c.ok() ? "" : " FAIL")
          .append("</text><text x=\"")
          .append(xy[0] + 6)
          .append("\" y=\"")
          .append(xy[1] + 31)
          .append("\" fill=\"#555\">")
          .append(esc(c.update().contributor().toString().substring(0, 10)))
          .append("…</text></g>");
    }
    return s.append("</svg>\n").toString();
  }

  private static void edge(StringBuilder s, int[] from, int[] to, boolean dashed) {
    s.append("<line x1=\"")
        .append(from[0] + 120)
        .append("\" y1=\"")
        .append(from[1] + 20)
        .append("\" x2=\"")
        .append(to[0])
        .append("\" y2=\"")
        .append(to[1] + 20)
        .append("\" stroke=\"#777\" marker-end=\"url(#a)\"")
        .append(dashed ? " stroke-dasharray=\"4 3\"" : "")
        .append("/>");
  }

  /**
   * The metric each update's manifest reports (the first found), by seq: a line per kind of update
   * (a chain's hops, a round's LOCAL updates, the global models).
   */
  private static String metric(List<UpdateCheck> checks, Map<Hash32, Manifest> manifests) {
    String name = null;
    Map<UpdateKind, List<double[]>> series = new LinkedHashMap<>();
    for (UpdateCheck c : checks) {
      Manifest m = manifests.get(c.update().updateId());
      if (m == null) {
        continue;
      }
      for (Map.Entry<String, Double> e : m.metrics().entrySet()) {
        if (METRICS.contains(e.getKey().replaceFirst("^val_", ""))) {
          name = name == null ? e.getKey() : name;
          if (e.getKey().equals(name) && Double.isFinite(e.getValue())) {
            series
                .computeIfAbsent(c.update().receipt().kind(), k -> new ArrayList<>())
                .add(new double[] {c.update().receipt().seq(), e.getValue()});
          }
        }
      }
    }
    if (name == null) {
      return "<p>No update reports a validation metric in its manifest.</p>\n";
    }
    double maxX = 1;
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (List<double[]> pts : series.values()) {
      for (double[] p : pts) {
        maxX = Math.max(maxX, p[0]);
        lo = Math.min(lo, p[1]);
        hi = Math.max(hi, p[1]);
      }
    }
    if (hi - lo < 1e-9) {
      hi = lo + 1;
    }
    int w = 520;
    int hgt = 220;
    StringBuilder s = new StringBuilder();
    s.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(w + 140)
        .append("\" height=\"")
        .append(hgt + 50)
        .append("\" font-size=\"11\"><rect x=\"50\" y=\"10\" width=\"")
        .append(w)
        .append("\" height=\"")
        .append(hgt)
        .append("\" fill=\"none\" stroke=\"#ccc\"/>")
        .append(String.format(Locale.ROOT, "<text x=\"4\" y=\"18\">%.4f</text>", hi))
        .append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\">%.4f</text>", hgt + 10, lo))
        .append(String.format(Locale.ROOT, "<text x=\"50\" y=\"%d\">seq</text>", hgt + 28));
    String[] colours = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};
    int i = 0;
    for (Map.Entry<UpdateKind, List<double[]>> e : series.entrySet()) {
      String colour = colours[i % colours.length];
      StringBuilder pts = new StringBuilder();
      for (double[] p : e.getValue()) {
        double x = 50 + p[0] / maxX * w;
        double y = 10 + (hi - p[1]) / (hi - lo) * hgt;
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        s.append(
            String.format(
                Locale.ROOT,
                "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>",
                x,
                y,
                colour));
      }
      s.append("<polyline fill=\"none\" stroke=\"")
          .append(colour)
          .append("\" points=\"")
          .append(pts.toString().trim())
          .append("\"/>")
          .append(
              String.format(
                  Locale.ROOT,
                  "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>",
                  w + 56,
                  24 + 14 * i,
                  colour,
                  e.getKey()));
      i++;
    }
    return s.append("</svg>\n<p>")
        .append(esc(name))
        .append(" on each update's own held-out samples, as its manifest states.</p>\n")
        .toString();
  }

  /**
   * Per contributor: updates, attested ones, and the reward the run's rule gives for them (median
   * score times the rate, before the budget's cap), with the run's total paid above.
   */
  private static String contributors(Ledger ledger, Optional<Run> run, List<UpdateCheck> checks)
      throws LedgerException {
    BigInteger rate = run.map(r -> r.config().rewardPerPoint()).orElse(BigInteger.ZERO);
    int royalty = run.map(r -> r.config().royalty()).orElse(0);
    int specRoyalty = run.map(r -> r.config().specRoyalty()).orElse(0);
    BigInteger royalties = BigInteger.ZERO;
    BigInteger specRoyalties = BigInteger.ZERO;
    Map<Address, BigInteger> owners = new LinkedHashMap<>();
    Map<Address, long[]> counts = new LinkedHashMap<>(); // updates, attested, failed
    Map<Address, BigInteger> due = new LinkedHashMap<>();
    for (UpdateCheck c : checks) {
      UpdateKind k = c.update().receipt().kind();
      if (k == UpdateKind.GENESIS || k == UpdateKind.AGGREGATE) {
        continue;
      }
      Address who = c.update().contributor();
      long[] n = counts.computeIfAbsent(who, a -> new long[3]);
      n[0]++;
      n[2] += c.ok() ? 0 : 1;
      Map<Address, Long> scores = ledger.attestations(c.update().updateId());
      if (!scores.isEmpty()) {
        n[1]++;
        BigInteger median = Rules.median(scores.values());
        if (median.signum() > 0) {
          BigInteger reward = median.multiply(rate);
          BigInteger cut = Rules.royalty(reward, royalty);
          BigInteger specCut = Rules.royalty(reward, specRoyalty);
          BigInteger rest = reward.subtract(cut).subtract(specCut);
          BigInteger own = rest;
          for (var cited : ledger.citations(c.update().updateId())) {
            BigInteger part =
                Rules.dataShare(
                    rest, cited.share(), cited.samples(), c.update().receipt().samples());
            owners.merge(cited.owner(), part, BigInteger::add);
            own = own.subtract(part);
          }
          due.merge(who, own, BigInteger::add);
          royalties = royalties.add(cut);
          specRoyalties = specRoyalties.add(specCut);
        }
      }
    }
    if (counts.isEmpty()) {
      return "<p>No contributions yet.</p>\n";
    }
    StringBuilder s = new StringBuilder("<table><tr><th>contributor</th><th>updates</th>");
    s.append("<th>attested</th><th>failed checks</th><th>reward by the run's rule (VNX)</th></tr>");
    for (Map.Entry<Address, long[]> e : counts.entrySet()) {
      long[] n = e.getValue();
      s.append("<tr><td><code>")
          .append(e.getKey())
          .append("</code></td><td>")
          .append(n[0])
          .append("</td><td>")
          .append(n[1])
          .append("</td><td")
          .append(n[2] > 0 ? " class=\"fail\">" : ">")
          .append(n[2])
          .append("</td><td>")
          .append(vnx(due.getOrDefault(e.getKey(), BigInteger.ZERO)))
          .append("</td></tr>");
    }
    for (Map.Entry<Address, BigInteger> o : owners.entrySet()) {
      s.append("<tr><td><code>")
          .append(o.getKey())
          .append("</code> (data owner)</td><td>0</td><td>0</td><td>0</td><td>")
          .append(vnx(o.getValue()))
          .append("</td></tr>");
    }
    if (specRoyalties.signum() > 0) {
      Address author = ledger.authorOf(run.orElseThrow().config().spec()).orElse(Address.ZERO);
      s.append("<tr><td><code>")
          .append(author)
          .append("</code> (model spec author: royalty)</td><td>0</td><td>0</td><td>0</td><td>")
          .append(vnx(specRoyalties))
          .append("</td></tr>");
    }
    if (royalties.signum() > 0) {
      s.append("<tr><td><code>")
          .append(run.orElseThrow().config().royaltyTo())
          .append("</code> (genesis model's owner: royalty)</td><td>0</td><td>0</td><td>0</td><td>")
          .append(vnx(royalties))
          .append("</td></tr>");
    }
    return s.append(
            "</table>\n<p>The reward by the rule is the median attested score times the run's"
                + " rate for each attested update, less the terms' royalties to the genesis model's"
                + " owner and the model spec's author and the shares of the data owners whose"
                + " grants the update cites, before the budget's cap; what was paid in all is"
                + " above.</p>\n")
        .toString();
  }

  private static String table(List<UpdateCheck> checks) {
    StringBuilder s = new StringBuilder("<table><tr><th>seq</th><th>kind</th><th>contributor</th>");
    s.append("<th>update</th><th>model</th><th>layers</th><th>check</th></tr>");
    for (UpdateCheck c : checks) {
      UpdateRecord u = c.update();
      s.append(c.ok() ? "<tr>" : "<tr class=\"fail\">")
          .append("<td>")
          .append(u.receipt().seq())
          .append("</td><td>")
          .append(u.receipt().kind())
          .append("</td><td><code>")
          .append(u.contributor())
          .append("</code></td><td><code>")
          .append(u.updateId().hex(), 0, 16)
          .append("</code></td><td><code>")
          .append(u.receipt().model().hex(), 0, 16)
          .append("</code></td><td>")
          .append(esc(c.layers()))
          .append("</td><td>")
          .append(c.ok() ? "OK" : "FAIL: " + esc(String.join("; ", c.problems())))
          .append("</td></tr>");
    }
    return s.append("</table>\n").toString();
  }

  private static String vnx(BigInteger wei) {
    return new java.math.BigDecimal(wei, 18).stripTrailingZeros().toPlainString();
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
