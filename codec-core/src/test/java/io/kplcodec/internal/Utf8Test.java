package io.kplcodec.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Utf8} must agree byte for byte with {@code String.getBytes(UTF_8)}, which is what protobuf-java falls back
 * to for strings with unpaired surrogates (each becomes '?').
 */
class Utf8Test {
  /** Characters at every boundary of the encoding, and surrogates of each kind. */
  private static final char[] EDGES = {
    'a', 0x00, 0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0xE000, 0xFFFD, 0xFFFF, 0xD83D,
    0xDE00
  };

  @Test
  void everySingleCharacter() {
    for (int c = 0; c <= 0xFFFF; c++) {
      check(String.valueOf((char) c));
    }
  }

  @Test
  void everyCodePointAsAPair() {
    for (int cp = 0x10000; cp <= Character.MAX_CODE_POINT; cp += 0x3F) {
      check(new String(Character.toChars(cp)));
    }
    check(new String(Character.toChars(Character.MAX_CODE_POINT)));
  }

  @Test
  void everyStringOfUpToFourEdgeCharacters() {
    char[] s = new char[4];
    int n = EDGES.length;
    for (int length = 1; length <= 4; length++) {
      int combinations = (int) Math.pow(n, length);
      for (int k = 0; k < combinations; k++) {
        int rest = k;
        for (int i = 0; i < length; i++) {
          s[i] = EDGES[rest % n];
          rest /= n;
        }
        check(new String(s, 0, length));
      }
    }
  }

  @Test
  void namedCases() {
    assertEncodes("", "");
    assertEncodes("a", "61");
    assertEncodes("\u00e9", "c3a9");
    assertEncodes("\u20ac", "e282ac");
    assertEncodes("\ud83d\ude00", "f09f9880");
    assertEncodes("a\ud800b", "613f62"); // lone high surrogate
    assertEncodes("\udc00", "3f"); // lone low surrogate
    assertEncodes("x\ud83d", "783f"); // high surrogate at the end
    assertEncodes("\ude00\ud83d", "3f3f"); // a pair in the wrong order
    assertEncodes("\ud800\ud83d\ude00", "3ff09f9880"); // high, then a valid pair
  }

  @Test
  void randomStrings() {
    Random random = new Random(0x75746638L);
    for (int i = 0; i < 30_000; i++) {
      char[] chars = new char[random.nextInt(60)];
      for (int j = 0; j < chars.length; j++) {
        switch (random.nextInt(6)) {
          case 0:
            chars[j] = (char) random.nextInt(0x80);
            break;
          case 1:
            chars[j] = (char) (0x80 + random.nextInt(0x780));
            break;
          case 2:
            chars[j] = (char) (0xD800 + random.nextInt(0x800)); // surrogate: paired only by chance
            break;
          case 3:
            if (j + 1 < chars.length) { // a valid pair
              int cp = 0x10000 + random.nextInt(0x100000);
              chars[j] = Character.highSurrogate(cp);
              chars[++j] = Character.lowSurrogate(cp);
              break;
            }
            chars[j] = 'z';
            break;
          case 4:
            chars[j] = EDGES[random.nextInt(EDGES.length)];
            break;
          default:
            chars[j] = (char) random.nextInt(0x10000);
        }
      }
      check(new String(chars));
    }
  }

  private static void assertEncodes(String s, String hex) {
    assertEquals(hex, HexFormat.of().formatHex(s.getBytes(UTF_8)), "the JDK itself");
    check(s);
  }

  private static void check(String s) {
    byte[] expected = s.getBytes(UTF_8);
    String what = s.chars().mapToObj(c -> String.format("%04x", c)).reduce("", (a, b) -> a + " " + b);
    assertEquals(expected.length, Utf8.encodedLength(s), what);
    byte[] out = new byte[expected.length + 8];
    Arrays.fill(out, (byte) 0x55);
    int end = Utf8.encode(s, out, 3);
    assertEquals(3 + expected.length, end, what);
    byte[] want = new byte[out.length];
    Arrays.fill(want, (byte) 0x55);
    System.arraycopy(expected, 0, want, 3, expected.length);
    if (!Arrays.equals(want, out)) {
      assertEquals(HexFormat.of().formatHex(want), HexFormat.of().formatHex(out), what);
    }
  }
}
