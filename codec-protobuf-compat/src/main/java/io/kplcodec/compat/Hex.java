package io.kplcodec.compat;

import java.util.HexFormat;

/** Hex for failure messages and test vectors. */
public final class Hex {
  private static final HexFormat FORMAT = HexFormat.of().withUpperCase();
  private static final int ABBREVIATE_OVER = 64;

  private Hex() {}

  /** All bytes as upper-case hex without separators. */
  public static String of(byte[] bytes) {
    return FORMAT.formatHex(bytes);
  }

  /** Hex of short arrays; length, head and tail of long ones. */
  public static String abbreviate(byte[] bytes) {
    if (bytes.length <= ABBREVIATE_OVER) {
      return of(bytes);
    }
    return bytes.length + " bytes " + FORMAT.formatHex(bytes, 0, 24) + ".." + FORMAT.formatHex(bytes,
        bytes.length - 8, bytes.length);
  }

  /** Bytes from hex; spaces, newlines and underscores are ignored. */
  public static byte[] parse(String hex) {
    return FORMAT.parseHex(hex.replaceAll("[\\s_]", ""));
  }
}
