package io.kplcodec.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HashKeyTest {
  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);
  private static final String MAX = "340282366920938463463374607431768211455"; // 2^128 - 1
  private static final String TWO_128 = "340282366920938463463374607431768211456";

  @Test
  void parsesZero() {
    HashKey key = new HashKey().set(7, 7);
    assertSame(key, key.parse("0", "Hash key"));
    assertEquals(0, key.high());
    assertEquals(0, key.low());
  }

  @Test
  void parsesTheLargestHashKey() {
    assertEquals(BigInteger.TWO.pow(128).subtract(BigInteger.ONE).toString(), MAX);
    HashKey key = new HashKey().parse(MAX, "Hash key");
    assertEquals(-1L, key.high());
    assertEquals(-1L, key.low());
  }

  @Test
  void parsesPowersOfTwoAroundTheLimbs() {
    for (int bit = 0; bit < 128; bit++) {
      BigInteger value = BigInteger.ONE.shiftLeft(bit);
      assertParses(value);
      assertParses(value.subtract(BigInteger.ONE));
      assertParses(value.add(BigInteger.ONE));
    }
  }

  @Test
  void rejectsTwoToThe128AndBeyond() {
    for (String tooBig : List.of(TWO_128, "340282366920938463463374607431768211465", "9".repeat(39),
        "1" + "0".repeat(39), "9".repeat(40), "1".repeat(100))) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> new HashKey().parse(tooBig, "Explicit hash key"));
      assertTrue(e.getMessage().startsWith("Explicit hash key \""), e.getMessage());
    }
  }

  @Test
  void rejectsLeadingZeros() {
    for (String padded : List.of("00", "01", "007", "0" + MAX.substring(1), "0" + MAX)) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> new HashKey().parse(padded, "Hash key"));
      assertTrue(e.getMessage().contains(padded.length() > 60 ? padded.substring(0, 60) : padded), e.getMessage());
    }
  }

  @Test
  void rejectsEmptyAndNonDigits() {
    for (String bad : List.of("", "-1", "+1", " 1", "1 ", "1.0", "1e3", "12a", "/", ":", "0x10",
        "\u0661", "\uff11", "1\u0000")) {
      assertThrows(IllegalArgumentException.class, () -> new HashKey().parse(bad, "Hash key"), bad);
    }
  }

  @Test
  void rejectsFortyDigitsEvenWhenSmall() {
    // 40 digits can only be a value with a leading zero or one beyond 2^128 - 1.
    assertThrows(IllegalArgumentException.class, () -> new HashKey().parse("0".repeat(40), "Hash key"));
    assertThrows(IllegalArgumentException.class, () -> new HashKey().parse("1" + "0".repeat(39), "Hash key"));
  }

  @Test
  void comparesUnsigned() {
    assertEquals(0, Integer.signum(HashKey.compare(0, 0, 0, 0)));
    assertEquals(-1, Integer.signum(HashKey.compare(0, 1, 0, 2)));
    assertEquals(1, Integer.signum(HashKey.compare(0, -1, 0, 1))); // low word: 2^64-1 > 1
    assertEquals(1, Integer.signum(HashKey.compare(Long.MIN_VALUE, 0, Long.MAX_VALUE, -1))); // high word first
    assertEquals(-1, Integer.signum(HashKey.compare(0, -1, 1, 0)));
    assertEquals(0, Integer.signum(HashKey.compare(-1, -1, -1, -1)));
  }

  @Test
  void toDecimal() {
    assertEquals("0", HashKey.toDecimal(0, 0));
    assertEquals("1", HashKey.toDecimal(0, 1));
    assertEquals("18446744073709551615", HashKey.toDecimal(0, -1));
    assertEquals("18446744073709551616", HashKey.toDecimal(1, 0));
    assertEquals("170141183460469231731687303715884105728", HashKey.toDecimal(Long.MIN_VALUE, 0));
    assertEquals(MAX, HashKey.toDecimal(-1, -1));
    assertEquals(MAX, new HashKey().set(-1, -1).toString());
  }

  @Test
  void readsADigestBigEndian() {
    byte[] digest = new byte[16];
    for (int i = 0; i < 16; i++) {
      digest[i] = (byte) (0xF0 + i);
    }
    HashKey key = new HashKey().setFromDigest(digest);
    assertEquals(0xF0F1F2F3F4F5F6F7L, key.high());
    assertEquals(0xF8F9FAFBFCFDFEFFL, key.low());
    assertEquals(new BigInteger(1, digest).toString(), key.toString());
  }

  @Test
  void roundTripsAgainstBigInteger() {
    Random random = new Random(0x686b6579L);
    BigInteger previous = BigInteger.ZERO;
    for (int i = 0; i < 20_000; i++) {
      BigInteger value = new BigInteger(random.nextInt(129), random);
      HashKey key = assertParses(value);
      HashKey other = new HashKey().parse(previous.toString(), "Hash key");
      assertEquals(Integer.signum(value.compareTo(previous)),
          Integer.signum(HashKey.compare(key.high(), key.low(), other.high(), other.low())), value + " vs " + previous);
      previous = value;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Explicit hash keys as given to a producer (issue 22): the KPL's rule, new BigInteger(text.trim()) in range

  @Test
  void aCanonicalExplicitHashKeyIsReturnedItself() {
    Random random = new Random(22);
    for (int i = 0; i < 2_000; i++) {
      String canonical = new BigInteger(random.nextInt(129), random).toString();
      String copy = new String(canonical); // a fresh object: the identity check is not luck
      assertSame(copy, HashKey.canonicalExplicitHashKey(copy));
    }
    assertSame(MAX, HashKey.canonicalExplicitHashKey(MAX));
  }

  @Test
  void nonCanonicalFormsTheKplAcceptsAreRewrittenAsItSendsThem() {
    // Each pair as captured from the real KPL 0.15.12 (codec-protobuf-compat's kpl-vectors, P lines).
    String[][] cases = {{"00042", "42"}, {"042", "42"}, {"+42", "42"}, {"+042", "42"}, {"0000", "0"}, {"+0", "0"},
        {"-0", "0"}, {"-000", "0"}, {" 42", "42"}, {"42 ", "42"}, {"\t42\n", "42"}, {"\u000042\u001f", "42"},
        {"\u0664\u0662", "42"}, {"\uff14\uff12", "42"}, {"\u06642", "42"}, {"0" + MAX, MAX}, {"00000" + MAX, MAX},
        {"0".repeat(61) + MAX, MAX}, {"0".repeat(40) + "42", "42"}, {"0".repeat(39), "0"}, {"0".repeat(100), "0"},
        {"+" + "0".repeat(50) + "7", "7"}};
    for (String[] c : cases) {
      assertEquals(c[1], HashKey.canonicalExplicitHashKey(c[0]), c[0]);
      HashKey key = new HashKey().parseExplicitHashKey(c[0]);
      assertEquals(c[1], key.toString(), c[0]);
    }
  }

  @Test
  void formsTheKplRefusesAreRefusedNamingTheProblem() {
    String notANumber = "is not a decimal integer";
    String negative = "is negative: it must be in 0..2^128-1";
    String above = "is above 2^128-1 (" + MAX + ")";
    String[][] cases = {{"", notANumber}, {" ", notANumber}, {"+", notANumber}, {"-", notANumber},
        {"+-1", notANumber}, {"++1", notANumber}, {"42\u00a0", notANumber}, {"\u200942", notANumber},
        {"4 2", notANumber}, {"1e3", notANumber}, {"4.2", notANumber}, {"42.0", notANumber}, {"0x2A", notANumber},
        {"42a", notANumber}, {"1_000", notANumber}, {"\ud835\udfce", notANumber}, {"-1", negative},
        {"-42", negative}, {"-" + MAX, negative}, {TWO_128, above}, {"0" + TWO_128, above}, {"9".repeat(40), above},
        {"1" + "0".repeat(39), above}, {"-" + "9".repeat(50) + "x", notANumber}};
    for (String[] c : cases) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> HashKey.canonicalExplicitHashKey(c[0]), c[0]);
      assertTrue(e.getMessage().startsWith("Explicit hash key \""), e.getMessage());
      assertTrue(e.getMessage().contains(c[1]), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> new HashKey().parseExplicitHashKey(c[0]), c[0]);
    }
  }

  @Test
  void controlCharactersAreShownEscapedInMessages() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> HashKey.canonicalExplicitHashKey("\n-1"));
    assertEquals("Explicit hash key \"\\u000a-1\" is negative: it must be in 0..2^128-1", e.getMessage());
  }

  @Test
  void aMillionLeadingZerosAreAcceptedWithoutAllocatingForThem() {
    assertEquals("7", HashKey.canonicalExplicitHashKey("0".repeat(1_000_000) + "7"));
    assertThrows(IllegalArgumentException.class, () -> HashKey.canonicalExplicitHashKey("1".repeat(1_000_000)));
  }

  @Test
  void setToRecordKeyTakesTheKplsForms() {
    Md5 md5 = new Md5();
    assertEquals("42", new HashKey().setToRecordKey("pk", " +00042", md5).toString());
    assertThrows(IllegalArgumentException.class, () -> new HashKey().setToRecordKey("pk", "-1", md5));
  }

  @Test
  void agreesWithTheKplsBigIntegerReadingOnRandomText() {
    Random random = new Random(0x4b504c22L);
    String alphabet = "0123456789+- \t\u0664\uff10e.x";
    for (int i = 0; i < 200_000; i++) {
      StringBuilder text = new StringBuilder();
      for (int n = random.nextInt(random.nextInt(8) == 0 ? 60 : 6); n > 0; n--) {
        text.append(random.nextInt(3) == 0 ? alphabet.charAt(random.nextInt(alphabet.length()))
            : (char) ('0' + random.nextInt(10)));
      }
      String given = text.toString();
      String expected = kplReading(given);
      if (expected == null) {
        assertThrows(IllegalArgumentException.class, () -> HashKey.canonicalExplicitHashKey(given), given);
      } else {
        assertEquals(expected, HashKey.canonicalExplicitHashKey(given), given);
      }
    }
  }

  /** What the KPL 0.15.12's addUserRecord makes of an explicit hash key: its canonical form, or null if refused. */
  private static String kplReading(String given) {
    try {
      BigInteger value = new BigInteger(given.trim());
      return value.signum() < 0 || value.bitLength() > 128 ? null : value.toString();
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static HashKey assertParses(BigInteger value) {
    String decimal = value.toString();
    HashKey key = new HashKey().parse(decimal, "Hash key");
    assertEquals(value.shiftRight(64).longValue(), key.high(), decimal);
    assertEquals(value.mod(TWO_64).longValue(), key.low(), decimal);
    assertEquals(decimal, HashKey.toDecimal(key.high(), key.low()));
    return key;
  }
}
