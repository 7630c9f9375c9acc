package io.kplcodec.fuzz;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

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
   * text: the rule kpl-codec documents for explicit hash keys and shard range bounds.
   */
  public static BigInteger parse(String text) {
    if (text == null || !CANONICAL.matcher(text).matches()) {
      return null;
    }
    BigInteger value = new BigInteger(text);
    return value.compareTo(MAX) <= 0 ? value : null;
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
