package io.kplcodec.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

/**
 * A progress line on stderr for long work (records, bytes, rate), redrawn in place at most twice a second, and
 * only when stderr is a terminal: never on a pipe or in a file, where it would be noise in a log. {@code --quiet}
 * turns it off. Used from the command's own thread only.
 */
final class Progress {
  private static final long INTERVAL_NANOS = 500_000_000L;
  /** Nothing is shown for work that ends sooner than this. */
  private static final long DELAY_NANOS = 1_000_000_000L;

  private final Streams streams;
  private final boolean enabled;
  private final String unit;
  private final long started = System.nanoTime();
  private long nextNanos = started + DELAY_NANOS;
  private long count;
  private long bytes;
  private boolean shown;

  /** @param unit what is counted, singular ({@code Kinesis record}) */
  Progress(Streams streams, boolean quiet, String unit) {
    this.streams = streams;
    this.enabled = !quiet && stderrIsATerminal();
    this.unit = unit;
  }

  /** One more item of {@code size} bytes. */
  void add(long size) {
    count++;
    bytes += size;
    if (enabled && System.nanoTime() >= nextNanos) {
      show();
    }
  }

  /** Clears the line, if one is shown. */
  void done() {
    if (shown) {
      streams.err.print("\r\033[K");
      streams.err.flush();
      shown = false;
    }
  }

  private void show() {
    long now = System.nanoTime();
    nextNanos = now + INTERVAL_NANOS;
    double seconds = (now - started) / 1e9;
    streams.out.flush(); // what is done so far shows before the line that counts it
    streams.err.print("\r\033[Kkplc " + streams.command + ": " + InspectCommand.plural(count, unit) + ", "
        + Text.size(bytes) + String.format(Locale.ROOT, ", %.1f MB/s, %.0f s", bytes / 1e6 / seconds, seconds));
    streams.err.flush();
    shown = true;
  }

  /** Whether file descriptor 2 is a terminal (Linux: a tty or pseudo-terminal device); false where unknown. */
  static boolean stderrIsATerminal() {
    try {
      Path target = Files.readSymbolicLink(Paths.get("/proc/self/fd/2"));
      String name = target.toString();
      return name.startsWith("/dev/pts/") || name.startsWith("/dev/tty") || name.equals("/dev/console");
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return false;
    }
  }
}
