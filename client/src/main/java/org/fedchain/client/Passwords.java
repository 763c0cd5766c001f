package org.fedchain.client;

import java.io.Console;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Where a keystore password comes from: {@code --password-file}, else {@code FEDCHAIN_PASSWORD},
 * else a prompt on the terminal without echo. Passwords are never printed or logged.
 */
final class Passwords {
  @Option(
      names = "--password-file",
      paramLabel = "FILE",
      description = "Read the keystore password from the first line of FILE.")
  Path passwordFile;

  /** The password for unlocking an existing keystore. */
  char[] read(Map<String, String> env, String prompt) throws IOException {
    return obtain(env, prompt, false);
  }

  /** The password for a new keystore: asked twice on a terminal. */
  char[] readNew(Map<String, String> env, String prompt) throws IOException {
    return obtain(env, prompt, true);
  }

  private char[] obtain(Map<String, String> env, String prompt, boolean confirm)
      throws IOException {
    if (passwordFile != null) {
      refuseIfOthersCanRead(passwordFile);
      String text = Files.readString(passwordFile, StandardCharsets.UTF_8);
      int nl = text.indexOf('\n');
      String line = nl >= 0 ? text.substring(0, nl) : text;
      if (line.endsWith("\r")) {
        line = line.substring(0, line.length() - 1);
      }
      if (line.isEmpty()) {
        throw new IOException("password file " + passwordFile + " has an empty first line");
      }
      return line.toCharArray();
    }
    String fromEnv = env.get("FEDCHAIN_PASSWORD");
    if (fromEnv != null && !fromEnv.isEmpty()) {
      return fromEnv.toCharArray();
    }
    Console console = System.console();
    if (console == null) {
      throw new IOException(
          "no password given: pass --password-file FILE, set FEDCHAIN_PASSWORD, or run in a terminal");
    }
    char[] first = console.readPassword("%s: ", prompt);
    if (first == null || first.length == 0) {
      throw new IOException("no password entered");
    }
    if (confirm) {
      char[] again = console.readPassword("Repeat the password: ");
      if (again == null || !Arrays.equals(first, again)) {
        throw new IOException("the two passwords differ");
      }
      Arrays.fill(again, '\0');
    }
    return first;
  }

  /**
   * A password that others on the machine can read is no secret: refuse the file, as ssh refuses
   * such a private key, and say how to fix it. File systems without POSIX permissions pass.
   */
  static void refuseIfOthersCanRead(Path file) throws IOException {
    java.util.Set<java.nio.file.attribute.PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException e) {
      return;
    }
    if (perms.contains(java.nio.file.attribute.PosixFilePermission.GROUP_READ)
        || perms.contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ)) {
      throw new IOException(
          "password file "
              + file
              + " can be read by others ("
              + java.nio.file.attribute.PosixFilePermissions.toString(perms)
              + "): chmod 600 it first");
    }
  }
}
