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

  /**
   * How many terminal columns the text takes: two for East Asian wide and fullwidth characters and emoji, none for
   * combining marks and format characters, one for the rest.
   */
  static int displayWidth(String text) {
    int width = 0;
    for (int i = 0; i < text.length(); ) {
      int c = text.codePointAt(i);
      i += Character.charCount(c);
      int type = Character.getType(c);
      if (type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK || type == Character.FORMAT
          || c == 0x200B) {
        continue;
      }
      width += isWide(c) ? 2 : 1;
    }
    return width;
  }

  private static boolean isWide(int c) {
    return c >= 0x1100 && c <= 0x115F || c >= 0x2E80 && c <= 0xA4CF && c != 0x303F || c >= 0xAC00 && c <= 0xD7A3
        || c >= 0xF900 && c <= 0xFAFF || c >= 0xFE30 && c <= 0xFE4F || c >= 0xFF00 && c <= 0xFF60
        || c >= 0xFFE0 && c <= 0xFFE6 || c >= 0x1F300 && c <= 0x1F64F || c >= 0x1F900 && c <= 0x1F9FF
        || c >= 0x20000 && c <= 0x3FFFD;
  }

  /**
   * A key for one table cell: control characters escaped, cut to {@code maxChars} (0: no limit); a key that is
   * empty, holds a space or a quote, or reads as the "none" marker {@code -} is quoted as a JSON string, so cells
   * stay unambiguous.
   */
  static String key(String key, int maxChars) {
    if (key == null) {
      return "-";
    }
    if (key.isEmpty() || key.equals("-") || key.chars().anyMatch(c -> Character.isWhitespace(c) || c == '"')) {
      String quoted = Json.write(com.fasterxml.jackson.databind.node.TextNode.valueOf(key));
      return maxChars > 0 && quoted.codePointCount(0, quoted.length()) > maxChars
          ? quoted.substring(0, quoted.offsetByCodePoints(0, maxChars - 4)) + "...\"" : quoted;
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
