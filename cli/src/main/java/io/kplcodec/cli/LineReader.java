package io.kplcodec.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Lines of ASCII text, each at most {@code maxLength} bytes, read without a per-byte lock. */
final class LineReader {
  private final String source;
  private final InputStream in;
  private final int maxLength;
  private final byte[] buffer = new byte[64 * 1024];
  private int position;
  private int limit;
  private long number;

  LineReader(String source, InputStream in, int maxLength) {
    this.source = source;
    this.in = in;
    this.maxLength = maxLength;
  }

  /** The line's number, from 1, of the last line returned. */
  long number() {
    return number;
  }

  String next() throws IOException {
    byte[] line = new byte[256];
    int length = 0;
    while (true) {
      if (position == limit) {
        limit = in.read(buffer);
        position = 0;
        if (limit <= 0) {
          limit = 0;
          if (length == 0) {
            return null;
          }
          break;
        }
      }
      int end = position;
      while (end < limit && buffer[end] != '\n') {
        end++;
      }
      int chunk = end - position;
      if (length + chunk > maxLength) {
        throw CliException.failed(source + " line " + (number + 1) + " is longer than the base64 of the largest Kinesis "
            + "record (" + Text.size(maxLength) + ")");
      }
      if (length + chunk > line.length) {
        line = Arrays.copyOf(line, Math.max(line.length * 2, length + chunk));
      }
      System.arraycopy(buffer, position, line, length, chunk);
      length += chunk;
      position = end;
      if (end < limit) {
        position++; // the newline
        break;
      }
    }
    number++;
    return new String(line, 0, length, StandardCharsets.ISO_8859_1);
  }
}
