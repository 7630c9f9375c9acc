package io.kplcodec.cli;

/**
 * A failure kplc reports as one line on stderr with an exit code, without a stack trace (unless {@code --verbose}).
 * Immutable and thread-safe.
 */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Exit code for bad data or a failed operation. */
  static final int FAILED = 1;
  /** Exit code for a bad command line. */
  static final int USAGE = 2;

  private final int exitCode;

  private CliException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** A bad command line: unknown option, missing or malformed value (exit 2). */
  static CliException usage(String message) {
    return new CliException(USAGE, message, null);
  }

  /** Bad input data or a failed operation (exit 1). */
  static CliException failed(String message) {
    return new CliException(FAILED, message, null);
  }

  /** Bad input data or a failed operation (exit 1), keeping the cause for {@code --verbose}. */
  static CliException failed(String message, Throwable cause) {
    return new CliException(FAILED, message, cause);
  }

  int exitCode() {
    return exitCode;
  }
}
