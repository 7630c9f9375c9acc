package io.kplcodec.cli;

import java.io.InputStream;
import java.io.PrintStream;

/**
 * Where a command reads and writes: its standard streams (UTF-8, whatever the platform charset) and whether
 * {@code --verbose} was given. Results go to {@code out}; progress, notes and errors to {@code err}, so that
 * {@code out} can be piped. The streams are thread-safe as {@link PrintStream}s are; {@link #flushIfDue} is for
 * the command's own thread.
 */
final class Streams {
  final String command;
  final InputStream in;
  final PrintStream out;
  final PrintStream err;
  final boolean verbose;
  /** {@code --quiet}: no progress line. */
  final boolean quiet;
  private static final long FLUSH_INTERVAL_NANOS = 100_000_000L;
  private long lastFlushNanos = System.nanoTime() - FLUSH_INTERVAL_NANOS;

  Streams(String command, InputStream in, PrintStream out, PrintStream err, boolean verbose, boolean quiet) {
    this.command = command;
    this.in = in;
    this.out = out;
    this.err = err;
    this.verbose = verbose;
    this.quiet = quiet;
  }

  /** A progress line counting {@code unit}s, shown only on a terminal and without --quiet. */
  Progress progressOf(String unit) {
    return new Progress(this, quiet, unit);
  }

  /** Flushes stdout at most every 100 ms: output shows at once on a pipe without a write per record. */
  void flushIfDue() {
    long now = System.nanoTime();
    if (now - lastFlushNanos > FLUSH_INTERVAL_NANOS) {
      lastFlushNanos = now;
      out.flush();
    }
  }

  /**
   * A progress or status line on stderr, {@code kplc <command>: line}, flushed at once so it shows while a long step
   * runs.
   */
  void progress(String line) {
    err.println("kplc " + command + ": " + line);
    err.flush();
  }
}
