package org.fedchain.core.receipt;

import java.util.Objects;
import org.fedchain.core.Address;
import org.fedchain.core.Hash32;

/**
 * A message with its claimed signer and 65-byte signature r||s||v. The claimed signer is what a
 * ledger checks the recovered address against: any changed field, domain or key then fails loudly
 * instead of silently recovering some other address.
 */
public record Signed<T extends Eip712.Struct>(T message, Address signer, byte[] signature) {
  public Signed {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(signer, "signer");
    signature = signature.clone();
  }

  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** The EIP-712 digest in this domain (the update id for a {@link ModelUpdate}). */
  public Hash32 digest(Eip712Domain domain) {
    return Eip712.digest(domain, message);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Signed<?> s
        && message.equals(s.message)
        && signer.equals(s.signer)
        && java.util.Arrays.equals(signature, s.signature);
  }

  @Override
  public int hashCode() {
    return Objects.hash(message, signer, java.util.Arrays.hashCode(signature));
  }

  @Override
  public String toString() {
    return "Signed[" + message + " by " + signer + "]";
  }
}
