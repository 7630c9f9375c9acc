package io.kplcodec.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * The process's standard output, which tells a reader that went away (a closed pipe: {@code kplc tail | head -1})
 * apart from a real write failure. {@link java.io.PrintStream} swallows every IOException, so a command would write
 * on (or follow a stream) forever after {@code head} exits; this stream throws {@link Closed} instead, unchecked so
 * that it passes through PrintStream, and kplc stops at once with exit code 0, as {@code cat} and kcat do. Any other
 * failure (a full disk) is an {@link UncheckedIOException}, exit code 1. Not thread-safe (PrintStream locks it).
 */
final class StandardOutput extends OutputStream {
  /** The reader of standard output is gone. */
  static final class Closed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Closed(IOException cause) {
      super("standard output closed", cause, false, false);
    }
  }

  private final FileOutputStream out = new FileOutputStream(FileDescriptor.out);

  @Override
  public void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] bytes, int offset, int length) {
    try {
      out.write(bytes, offset, length);
    } catch (IOException e) {
      throw failure(e);
    }
  }

  @Override
  public void flush() {
    try {
      out.flush();
    } catch (IOException e) {
      throw failure(e);
    }
  }

  private static RuntimeException failure(IOException e) {
    // The JVM ignores SIGPIPE, so a closed pipe is the EPIPE error "Broken pipe".
    String message = String.valueOf(e.getMessage());
    return message.contains("Broken pipe") ? new Closed(e)
        : new UncheckedIOException("cannot write to standard output: " + message, e);
  }
}
