package org.fedchain.chaincode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * Who may mint VNX: a list of {@code MSPID} or {@code MSPID/role} entries separated by commas, set
 * with {@code FEDCHAIN_MINTERS} (default {@code Org1MSP/admin}). A role matches an {@code OU} of
 * the certificate's subject, which is how Fabric's node OUs mark an MSP's admins ({@code
 * OU=admin}).
 *
 * <pre>{@code
 * Minters m = Minters.parse("Org1MSP/admin,BankMSP");
 * }</pre>
 */
final class Minters {
  static final String DEFAULT = "Org1MSP/admin";

  private record Entry(String mspId, String role) {}

  private final List<Entry> entries;
  private final String text;

  private Minters(List<Entry> entries, String text) {
    this.entries = List.copyOf(entries);
    this.text = text;
  }

  static Minters parse(String text) {
    List<Entry> out = new ArrayList<>();
    for (String part : text.split(",")) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      int slash = p.indexOf('/');
      String msp = slash < 0 ? p : p.substring(0, slash).strip();
      String role = slash < 0 ? null : p.substring(slash + 1).strip();
      if (msp.isEmpty() || (role != null && role.isEmpty())) {
        throw new IllegalArgumentException(
            "FEDCHAIN_MINTERS entry '" + p + "' is not MSPID or MSPID/role");
      }
      out.add(new Entry(msp, role));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(
          "FEDCHAIN_MINTERS '" + text + "' names nobody; use e.g. " + DEFAULT);
    }
    return new Minters(out, text);
  }

  boolean allows(Caller caller) {
    List<String> ous = organizationalUnits(caller.certificate().getSubjectX500Principal());
    for (Entry e : entries) {
      if (e.mspId().equals(caller.mspId())
          && (e.role() == null || ous.stream().anyMatch(ou -> ou.equalsIgnoreCase(e.role())))) {
        return true;
      }
    }
    return false;
  }

  private static List<String> organizationalUnits(X500Principal subject) {
    List<String> out = new ArrayList<>();
    try {
      for (Rdn rdn : new LdapName(subject.getName(X500Principal.RFC2253)).getRdns()) {
        if (rdn.getType().toUpperCase(Locale.ROOT).equals("OU")) {
          out.add(String.valueOf(rdn.getValue()));
        }
      }
    } catch (InvalidNameException e) {
      throw new IllegalArgumentException("cannot read the certificate subject " + subject, e);
    }
    return out;
  }

  @Override
  public String toString() {
    return text;
  }
}
