package org.fedchain.trainer;

import java.nio.file.Path;

/**
 * A data file that is missing, truncated or not what its format says. The message names the file
 * and the problem, so a user can tell a broken download from a wrong directory.
 */
public final class DatasetException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;

  public DatasetException(Path file, String problem) {
    super(file + ": " + problem);
    this.file = file;
  }

  public DatasetException(Path file, String problem, Throwable cause) {
    super(file + ": " + problem, cause);
    this.file = file;
  }

  /** The file (or directory) that has the problem. */
  public Path file() {
    return file;
  }
}
