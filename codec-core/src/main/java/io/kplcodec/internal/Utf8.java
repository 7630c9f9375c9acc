package io.kplcodec.internal;

/**
 * UTF-8 length and encoding of Java strings, exactly as protobuf-java writes a {@code string} field: an unpaired
 * surrogate becomes {@code '?'} (one byte), because protobuf-java falls back to {@code String.getBytes(UTF_8)}
 * for such strings.
 */
public final class Utf8 {
  private Utf8() {}

  /**
   * Encoded length in bytes, computed without allocating.
   *
   * @param s the string, not null
   * @return the number of bytes {@link #encode} writes for it, from {@code s.length()} to three times that
   */
  public static int encodedLength(String s) {
    int n = s.length();
    int bytes = n;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        continue;
      }
      if (c < 0x800) {
        bytes += 1;
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 2; // two chars, four bytes
        i++;
      } else if (!Character.isSurrogate(c)) {
        bytes += 2;
      } // an unpaired surrogate is written as '?': one byte, already counted
    }
    return bytes;
  }

  /**
   * Whether every char of {@code s} is ASCII (below 0x80): then its UTF-8 bytes are its chars.
   *
   * @param s the string, not null
   * @return true if {@link #encodeAscii} may write it
   */
  public static boolean isAscii(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      if (s.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  /**
   * Encodes an ASCII-only {@code s} (see {@link #isAscii}) at {@code pos} and returns the position after it. Perf:
   * {@code String.getBytes(int, int, byte[], int)} keeps the low byte of each char, which for ASCII is exactly UTF-8,
   * and for a compact (Latin-1) string is one array copy instead of a loop over chars; deprecated only because it is
   * wrong for other chars.
   *
   * @param s an ASCII-only string (not checked)
   * @param dst the array to write into, with room for {@code s.length()} bytes at {@code pos}
   * @param pos index of the first byte to write
   * @return {@code pos + s.length()}
   */
  @SuppressWarnings("deprecation")
  public static int encodeAscii(String s, byte[] dst, int pos) {
    int n = s.length();
    s.getBytes(0, n, dst, pos);
    return pos + n;
  }

  /**
   * Encodes {@code s} at {@code pos} (the caller ensured room) and returns the position after it.
   *
   * @param s the string, not null
   * @param dst the array to write into, with room for {@link #encodedLength} bytes at {@code pos}
   * @param pos index of the first byte to write
   * @return {@code pos} plus the encoded length
   */
  public static int encode(String s, byte[] dst, int pos) {
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        dst[pos++] = (byte) c;
      } else if (c < 0x800) {
        dst[pos++] = (byte) (0xC0 | (c >>> 6));
        dst[pos++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        dst[pos++] = (byte) (0xF0 | (cp >>> 18));
        dst[pos++] = (byte) (0x80 | ((cp >>> 12) & 0x3F));
        dst[pos++] = (byte) (0x80 | ((cp >>> 6) & 0x3F));
        dst[pos++] = (byte) (0x80 | (cp & 0x3F));
      } else if (Character.isSurrogate(c)) {
        dst[pos++] = '?';
      } else {
        dst[pos++] = (byte) (0xE0 | (c >>> 12));
        dst[pos++] = (byte) (0x80 | ((c >>> 6) & 0x3F));
        dst[pos++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    return pos;
  }
}
