package io.kplcodec.cli;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/** How kplc writes numbers and record data for people. Stateless and thread-safe. */
final class Text {
  private Text() {}

  /** {@code 100000} as {@code 100,000}. */
  static String number(long value) {
    return String.format(Locale.ROOT, "%,d", value);
  }

  /** A byte count for people: {@code 1,234 B}, {@code 12.3 KB}, {@code 29.4 MB} (decimal units). */
  static String size(long bytes) {
    if (bytes < 10_000) {
      return number(bytes) + " B";
    }
    if (bytes < 10_000_000) {
      return String.format(Locale.ROOT, "%.1f KB", bytes / 1e3);
    }
    return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
  }

  /**
   * The data as text if it is valid UTF-8 without control characters other than tab, newline and carriage return,
   * else null (show it as base64). Strict: malformed UTF-8 is never replaced, so text always maps back to the same
   * bytes.
   */
  static String printableOrNull(ByteBuffer data) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    CharBuffer chars;
    try {
      chars = decoder.decode(data.duplicate());
    } catch (CharacterCodingException e) {
      return null;
    }
    for (int i = 0; i < chars.length(); i++) {
      char c = chars.charAt(i);
      if (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') {
        return null;
      }
    }
    return chars.toString();
  }

  /** Standard base64 of the buffer's remaining bytes (its position is not moved). */
  static String base64(ByteBuffer data) {
    return Base64.getEncoder().encodeToString(bytes(data));
  }

  /** A copy of the buffer's remaining bytes (its position is not moved). */
  static byte[] bytes(ByteBuffer data) {
    byte[] copy = new byte[data.remaining()];
    data.duplicate().get(copy);
    return copy;
  }

  /**
   * The data for one table cell: text with tab, newline and carriage return escaped, or {@code base64:...}; cut to
   * {@code maxChars} (0: no limit) with {@code ...} and the full size.
   */
  static String cell(ByteBuffer data, int maxChars) {
    String text = printableOrNull(data);
    String shown = text == null ? "base64:" + base64(data)
        : text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
    return truncate(shown, maxChars, data.remaining());
  }

  /** A key for one table cell: control characters escaped, cut to {@code maxChars} (0: no limit). */
  static String key(String key, int maxChars) {
    if (key == null) {
      return "-";
    }
    StringBuilder escaped = new StringBuilder(key.length());
    key.codePoints().forEach(c -> {
      if (Character.isISOControl(c)) {
        escaped.append(String.format(Locale.ROOT, "\\u%04x", c));
      } else {
        escaped.appendCodePoint(c);
      }
    });
    String shown = escaped.toString();
    if (maxChars > 0 && shown.codePointCount(0, shown.length()) > maxChars) {
      return shown.substring(0, shown.offsetByCodePoints(0, maxChars - 3)) + "...";
    }
    return shown;
  }

  /** {@code text} broken at spaces into lines of at most {@code width} characters, each beginning {@code indent}. */
  static String wrap(String text, int width, String indent) {
    StringBuilder wrapped = new StringBuilder();
    StringBuilder line = new StringBuilder(indent);
    for (String word : text.split(" ")) {
      if (line.length() > indent.length() && line.length() + 1 + word.length() > width) {
        wrapped.append(line).append('\n');
        line = new StringBuilder(indent);
      }
      if (line.length() > indent.length()) {
        line.append(' ');
      }
      line.append(word);
    }
    return wrapped.append(line).toString();
  }

  private static String truncate(String shown, int maxChars, int byteCount) {
    if (maxChars <= 0 || shown.codePointCount(0, shown.length()) <= maxChars) {
      return shown;
    }
    return shown.substring(0, shown.offsetByCodePoints(0, maxChars)) + "... (" + number(byteCount) + " bytes)";
  }
}
