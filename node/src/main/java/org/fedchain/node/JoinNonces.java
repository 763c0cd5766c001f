package org.fedchain.node;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.fedchain.core.Hash32;

/**
 * The coordinator's join challenges: random nonces, each good for one join within a minute, so a
 * join someone recorded cannot be replayed. Bounded: the oldest are forgotten first when many are
 * outstanding, so a flood of challenges costs a fixed amount of memory.
 */
final class JoinNonces {
  private static final Duration LIFETIME = Duration.ofSeconds(60);
  private static final int MOST = 10_000;

  private final SecureRandom random = new SecureRandom();
  // nonce -> when it expires (System.nanoTime), oldest first
  private final LinkedHashMap<Hash32, Long> issued = new LinkedHashMap<>();

  synchronized Hash32 issue() {
    long now = System.nanoTime();
    purge(now);
    if (issued.size() >= MOST) {
      Iterator<Hash32> oldest = issued.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    byte[] b = new byte[32];
    random.nextBytes(b);
    Hash32 nonce = Hash32.of(b);
    issued.put(nonce, now + LIFETIME.toNanos());
    return nonce;
  }

  /** True once for a nonce this coordinator issued and that has not expired; false after. */
  synchronized boolean redeem(Hash32 nonce) {
    long now = System.nanoTime();
    purge(now);
    Long expires = issued.remove(nonce);
    return expires != null && expires - now > 0;
  }

  private void purge(long now) {
    Iterator<Map.Entry<Hash32, Long>> it = issued.entrySet().iterator();
    while (it.hasNext() && it.next().getValue() - now <= 0) {
      it.remove();
    }
  }
}
