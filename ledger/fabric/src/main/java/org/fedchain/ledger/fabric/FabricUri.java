package org.fedchain.ledger.fabric;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.fedchain.ledger.LedgerException;

/** The parts of a {@code fabric:} ledger URI, checked one by one. */
record FabricUri(
    String target,
    String channel,
    String chaincode,
    String mspId,
    Path cert,
    Path key,
    Path tlsCa) {
  private static final Set<String> KEYS =
      Set.of("channel", "chaincode", "msp", "mspdir", "cert", "key", "tlsca");

  static FabricUri parse(String uri) throws LedgerException {
    String rest = uri.substring("fabric:".length());
    int q = rest.indexOf('?');
    String target = q < 0 ? rest : rest.substring(0, q);
    if (!target.matches("[^:/?]+:\\d+")) {
      throw new LedgerException(
          "fabric ledger URI needs the peer as host:port after 'fabric:', got '" + target + "'");
    }
    Map<String, String> p = new LinkedHashMap<>();
    if (q >= 0) {
      for (String kv : rest.substring(q + 1).split("&")) {
        int eq = kv.indexOf('=');
        String k = eq < 0 ? kv : kv.substring(0, eq);
        if (!KEYS.contains(k)) {
          throw new LedgerException(
              "fabric ledger URI has unknown parameter '" + k + "' (known: " + KEYS + ")");
        }
        p.put(k, eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    String msp = required(p, "msp");
    String tlsca = required(p, "tlsca");
    Path cert;
    Path key;
    if (p.containsKey("mspdir")) {
      Path dir = Path.of(p.get("mspdir"));
      cert = only(dir.resolve("signcerts"));
      key = only(dir.resolve("keystore"));
    } else {
      cert = Path.of(required(p, "cert"));
      key = Path.of(required(p, "key"));
    }
    return new FabricUri(
        target,
        p.getOrDefault("channel", "fedchain"),
        p.getOrDefault("chaincode", "fedchain"),
        msp,
        cert,
        key,
        Path.of(tlsca));
  }

  private static String required(Map<String, String> p, String k) throws LedgerException {
    String v = p.get(k);
    if (v == null || v.isEmpty()) {
      throw new LedgerException(
          "fabric ledger URI needs '"
              + k
              + "=' (e.g. fabric:127.0.0.1:7051?msp=Org1MSP&mspdir=<msp folder>&tlsca=<peer TLS CA>)");
    }
    return v;
  }

  private static Path only(Path dir) throws LedgerException {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> files = s.filter(Files::isRegularFile).toList();
      if (files.size() != 1) {
        throw new LedgerException(
            "expected exactly one file in " + dir + ", found " + files.size());
      }
      return files.get(0);
    } catch (IOException e) {
      throw new LedgerException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }
}
