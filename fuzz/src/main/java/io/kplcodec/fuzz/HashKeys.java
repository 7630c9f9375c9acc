package io.kplcodec.fuzz;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * 128-bit Kinesis hash keys: arbitraries for them and for text that nearly is one, and a reference reading built on
 * {@link BigInteger}, independent of codec-core's two-long arithmetic.
 */
public final class HashKeys {
  /** 2^128 - 1, the largest hash key. */
  public static final BigInteger MAX = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

  private static final Pattern CANONICAL = Pattern.compile("0|[1-9][0-9]{0,38}");
  private static final BigInteger TWO = BigInteger.TWO;

  private HashKeys() {}

  /**
   * The value of a canonical decimal hash key ({@code 0|[1-9][0-9]{0,38}}, at most 2^128-1), or null for any other
   * text: the rule kpl-codec documents for shard range bounds and for explicit hash keys it decodes (under a
   * hash-range filter).
   */
  public static BigInteger parse(String text) {
    if (text == null || !CANONICAL.matcher(text).matches()) {
      return null;
    }
    BigInteger value = new BigInteger(text);
    return value.compareTo(MAX) <= 0 ? value : null;
  }

  /**
   * The value of an explicit hash key as a producer takes it, or null where it refuses it: the KPL's rule, which
   * kpl-codec's producer side follows (issue 22): {@code new BigInteger(text.trim())} in 0..2^128-1 (leading zeros,
   * a sign, surrounding whitespace and non-ASCII digits allowed; the canonical form is its {@code toString()}).
   */
  public static BigInteger parseGiven(String text) {
    if (text == null) {
      return null;
    }
    try {
      BigInteger value = new BigInteger(text.trim());
      return value.signum() >= 0 && value.compareTo(MAX) <= 0 ? value : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The hash key a producer routes a user record by: its explicit hash key ({@link #parseGiven}), else MD5. */
  public static BigInteger ofGivenRecord(String partitionKey, String explicitHashKey) {
    return explicitHashKey != null ? parseGiven(explicitHashKey) : ofPartitionKey(partitionKey);
  }

  /** The hash key Kinesis derives from a partition key: MD5 of its UTF-8 bytes, unsigned big-endian. */
  public static BigInteger ofPartitionKey(String partitionKey) {
    try {
      byte[] digest = MessageDigest.getInstance("MD5").digest(partitionKey.getBytes(StandardCharsets.UTF_8));
      return new BigInteger(1, digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The hash key of a user record: its explicit hash key if it has one (null if that is invalid), else MD5(pk). */
  public static BigInteger ofRecord(String partitionKey, String explicitHashKey) {
    return explicitHashKey != null ? parse(explicitHashKey) : ofPartitionKey(partitionKey);
  }

  /** Hash keys, biased to the edges: 0, 1, powers of two and their neighbours, 2^128-1, and uniform ones. */
  public static Arbitrary<BigInteger> hashKeys() {
    Arbitrary<BigInteger> edges = Arbitraries.of(
        BigInteger.ZERO, BigInteger.ONE, TWO,
        TWO.pow(32).subtract(BigInteger.ONE), TWO.pow(32),
        TWO.pow(63).subtract(BigInteger.ONE), TWO.pow(63),
        TWO.pow(64).subtract(BigInteger.ONE), TWO.pow(64), TWO.pow(64).add(BigInteger.ONE),
        TWO.pow(127).subtract(BigInteger.ONE), TWO.pow(127),
        MAX.subtract(BigInteger.ONE), MAX);
    Arbitrary<BigInteger> uniform = Arbitraries.bigIntegers().between(BigInteger.ZERO, MAX)
        .withDistribution(net.jqwik.api.RandomDistribution.uniform());
    Arbitrary<BigInteger> small = Arbitraries.bigIntegers().between(BigInteger.ZERO, BigInteger.valueOf(100_000));
    return Arbitraries.<BigInteger>frequencyOf(
        net.jqwik.api.Tuple.of(2, edges), net.jqwik.api.Tuple.of(6, uniform), net.jqwik.api.Tuple.of(2, small));
  }

  /** Valid explicit hash keys (canonical decimal). */
  public static Arbitrary<String> explicitHashKeys() {
    return hashKeys().map(BigInteger::toString);
  }

  /**
   * Valid explicit hash keys in any form the KPL accepts (issue 22), canonical half the time, else with leading zeros
   * (up to 45 of them, so lengths around 39 and 40 digits), a sign ({@code -} for zero only), surrounding
   * whitespace or control characters, or Arabic-Indic digits.
   */
  public static Arbitrary<String> givenExplicitHashKeys() {
    return hashKeys().flatMap(HashKeys::givenForms);
  }

  /** The forms of one hash key that the KPL accepts, as {@link #givenExplicitHashKeys()} draws them. */
  public static Arbitrary<String> givenForms(BigInteger key) {
    String canonical = key.toString();
    Arbitrary<Integer> zeros = Arbitraries.integers().between(1, 45);
    return Combinators.combine(Arbitraries.integers().between(0, 9), zeros).as((form, n) -> switch (form) {
      case 5 -> "0".repeat(n) + canonical;
      case 6 -> (key.signum() == 0 ? "-" : "+") + "0".repeat(n % 3) + canonical;
      case 7 -> " ".repeat(n % 2) + canonical + (n % 3 == 0 ? "\n" : "\t");
      case 8 -> "\u0000" + canonical + "\u001f";
      case 9 -> canonical.chars().mapToObj(c -> String.valueOf((char) (c - '0' + '\u0660')))
          .collect(java.util.stream.Collectors.joining());
      default -> canonical;
    });
  }


  /**
   * Text that is or nearly is a hash key: valid ones, leading zeros, signs, spaces, 2^128 and beyond, 40 digits,
   * non-ASCII digits, empty, and arbitrary short strings.
   */
  public static Arbitrary<String> hashKeyLikeText() {
    Arbitrary<String> valid = explicitHashKeys();
    Arbitrary<String> nearly = hashKeys().flatMap(k -> Arbitraries.of(
        "0" + k, "+" + k, "-" + k, " " + k, k + " ", k + "\n", k.add(MAX).add(BigInteger.ONE).toString(),
        k.toString() + "0", k.toString().replace('1', '\u0661') /* Arabic-Indic one */,
        k.toString().replace('2', '\uFF12') /* fullwidth two */, k.toString().replace('3', '/'),
        k.toString().replace('4', ':'), k.toString() + "\u0000", "0x" + k.toString(16), k.toString() + ".0",
        k.toString() + "e0"));
    Arbitrary<String> over = Arbitraries.of(
        "", "00", "0" + MAX, MAX.add(BigInteger.ONE).toString(), MAX.add(BigInteger.TEN).toString(),
        "999999999999999999999999999999999999999", "9999999999999999999999999999999999999999",
        "1" + "0".repeat(39), "1" + "0".repeat(38), TWO.pow(128).toString(), TWO.pow(129).toString(),
        "18446744073709551616", "-0", "٠", "१२३");
    Arbitrary<String> digits = Arbitraries.strings().withChars("0123456789").ofMinLength(0).ofMaxLength(45);
    Arbitrary<String> any = Arbitraries.strings().ofMaxLength(12);
    return Arbitraries.<String>frequencyOf(net.jqwik.api.Tuple.of(3, valid), net.jqwik.api.Tuple.of(3, nearly),
        net.jqwik.api.Tuple.of(2, over), net.jqwik.api.Tuple.of(2, digits), net.jqwik.api.Tuple.of(1, any));
  }
}
