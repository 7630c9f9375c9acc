package io.kplcodec.internal;

import java.nio.charset.StandardCharsets;

/**
 * 128-bit Kinesis hash keys held as two longs (compared unsigned), so that routing a user record costs no
 * {@code BigInteger}. Mutable and reused; not thread-safe.
 */
public final class HashKey {
  /** Upper and lower 64 bits, unsigned. */
  private long high;
  private long low;

  /** Largest hash key, 2^128 - 1, has 39 digits. */
  static final int MAX_DIGITS = 39;
  /** 2^128 - 1 in decimal: a 39-digit key is in range if and only if it does not sort after this. */
  static final String MAX_DECIMAL = "340282366920938463463374607431768211455";
  private static final String EXPLICIT_HASH_KEY = "Explicit hash key";
  private static final long BILLION = 1_000_000_000L;

  /** A key of 0, to be set by one of the parsers or setters. */
  public HashKey() {}

  /**
   * The canonical decimal form ({@code 0|[1-9][0-9]{0,38}}, the only form the Kinesis API accepts) of an explicit
   * hash key given in any form the KPL accepts. The KPL's {@code addUserRecord} reads {@code new
   * BigInteger(text.trim())}, refuses values outside 0..2^128-1, and passes {@code toString()} on, so the daemon
   * only ever sees, aggregates, de-duplicates and sends the canonical form. The same rule here: characters up to
   * U+0020 around the number are dropped ({@link String#trim}), then an optional {@code +} or {@code -}, then one
   * or more decimal digits ({@link Character#digit(char, int)}: ASCII, or other Unicode decimal digits as
   * {@code BigInteger} reads them), any number of leading zeros; {@code -0} is 0.
   *
   * <p>Perf: an already canonical key (the common case) is returned itself, after one scan of at most 39
   * characters, without allocating.
   *
   * @param text the explicit hash key as given, not null
   * @return the canonical form: {@code text} itself when it is canonical already
   * @throws IllegalArgumentException naming the problem: not a decimal integer, negative, or above 2^128-1
   */
  public static String canonicalExplicitHashKey(String text) {
    return isCanonical(text) ? text : canonicalize(text);
  }

  /** Whether {@code text} is {@code 0|[1-9][0-9]{0,38}} and at most 2^128-1. */
  static boolean isCanonical(String text) {
    int n = text.length();
    if (n == 0 || n > MAX_DIGITS || (n > 1 && text.charAt(0) == '0')) {
      return false;
    }
    int order = 0; // for 39 digits: how the digits so far compare with 2^128-1's
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
      if (order == 0 && n == MAX_DIGITS) {
        order = c - MAX_DECIMAL.charAt(i);
      }
    }
    return order <= 0;
  }

  /** The slow path of {@link #canonicalExplicitHashKey}, for a key that is not canonical. */
  private static String canonicalize(String text) {
    String trimmed = text.trim();
    int n = trimmed.length();
    int start = n > 0 && (trimmed.charAt(0) == '+' || trimmed.charAt(0) == '-') ? 1 : 0;
    if (start == n) {
      throw invalid(text, EXPLICIT_HASH_KEY, "is not a decimal integer (it has no digits)");
    }
    // As BigInteger: every character a digit (checked over the whole text first), then the sign, then the range.
    // At most 40 significant digits are kept: more is out of range whatever they are.
    char[] significant = new char[MAX_DIGITS + 1];
    int count = 0;
    for (int i = start; i < n; i++) {
      int digit = Character.digit(trimmed.charAt(i), 10);
      if (digit < 0) {
        throw invalid(text, EXPLICIT_HASH_KEY, "is not a decimal integer (an optional sign, then only digits)");
      }
      if ((digit != 0 || count > 0) && count <= MAX_DIGITS) {
        significant[count++] = (char) ('0' + digit);
      }
    }
    if (count == 0) {
      return "0";
    }
    if (trimmed.charAt(0) == '-') {
      throw invalid(text, EXPLICIT_HASH_KEY, "is negative: it must be in 0..2^128-1");
    }
    String canonical = new String(significant, 0, count);
    if (!isCanonical(canonical)) {
      throw invalid(text, EXPLICIT_HASH_KEY, "is above 2^128-1 (" + MAX_DECIMAL + ")");
    }
    return canonical;
  }

  /**
   * Parses an explicit hash key given in any form {@link #canonicalExplicitHashKey} accepts into this key.
   *
   * @param text the explicit hash key as given, not null
   * @return this key; unchanged if the text is refused
   * @throws IllegalArgumentException naming the problem
   */
  public HashKey parseExplicitHashKey(String text) {
    return parse(canonicalExplicitHashKey(text), EXPLICIT_HASH_KEY);
  }

  /**
   * Parses a canonical decimal hash key, {@code 0|[1-9][0-9]{0,38}} in 0..2^128-1, into this key: the form Kinesis
   * writes (shard ranges) and accepts. Stricter than {@link #parseExplicitHashKey}, which reads what a producer is
   * given.
   *
   * @param decimal the hash key in canonical decimal, not null
   * @param what what the text is, to begin the exception message with (for example {@code "Starting hash key"})
   * @return this key; unchanged if the text is refused
   * @throws IllegalArgumentException naming the problem, for anything else
   */
  public HashKey parse(String decimal, String what) {
    int n = decimal.length();
    if (n == 0 || n > MAX_DIGITS) {
      throw invalid(decimal, what, "must have 1 to 39 decimal digits");
    }
    if (n > 1 && decimal.charAt(0) == '0') {
      throw invalid(decimal, what, "must not have leading zeros");
    }
    // Four 32-bit limbs in longs: x = x * 10 + digit with carries, overflow detected past the top limb.
    long w0 = 0, w1 = 0, w2 = 0, w3 = 0;
    for (int i = 0; i < n; i++) {
      int digit = decimal.charAt(i) - '0';
      if (digit < 0 || digit > 9) {
        throw invalid(decimal, what, "must contain only the digits 0-9");
      }
      long t = w0 * 10 + digit;
      w0 = t & 0xFFFFFFFFL;
      t = w1 * 10 + (t >>> 32);
      w1 = t & 0xFFFFFFFFL;
      t = w2 * 10 + (t >>> 32);
      w2 = t & 0xFFFFFFFFL;
      t = w3 * 10 + (t >>> 32);
      w3 = t & 0xFFFFFFFFL;
      if ((t >>> 32) != 0) {
        throw invalid(decimal, what, "must be at most 2^128-1 (340282366920938463463374607431768211455)");
      }
    }
    high = (w3 << 32) | w2;
    low = (w1 << 32) | w0;
    return this;
  }

  /**
   * Reads a 16-byte big-endian digest (an MD5) as the key.
   *
   * @param digest at least 16 bytes; the first 16 are read
   * @return this key
   */
  public HashKey setFromDigest(byte[] digest) {
    high = bigEndianLong(digest, 0);
    low = bigEndianLong(digest, 8);
    return this;
  }

  /**
   * The upper 64 bits, unsigned.
   *
   * @return bits 127..64 of the key (compare with {@link Long#compareUnsigned})
   */
  public long high() {
    return high;
  }

  /**
   * The lower 64 bits, unsigned.
   *
   * @return bits 63..0 of the key (compare with {@link Long#compareUnsigned})
   */
  public long low() {
    return low;
  }

  /**
   * Sets this key to a user record's hash key, the one Kinesis routes it by: its explicit hash key if it has one,
   * else the MD5 of its partition key. The one home of that rule. The explicit hash key may be in any form the KPL
   * accepts (see {@link #canonicalExplicitHashKey}).
   *
   * @param partitionKey the record's partition key; may be null only with an explicit hash key
   * @param explicitHashKey its explicit hash key, or null
   * @param md5 the digest to hash the partition key with (its cache may answer instead)
   * @return this key
   * @throws IllegalArgumentException if the explicit hash key is not a valid hash key
   * @throws NullPointerException if both keys are null
   */
  public HashKey setToRecordKey(String partitionKey, String explicitHashKey, Md5 md5) {
    if (explicitHashKey != null) {
      return parseExplicitHashKey(explicitHashKey);
    }
    return md5.hashKeyOf(java.util.Objects.requireNonNull(partitionKey, "partitionKey"), this);
  }

  /**
   * A new key set to a user record's hash key (see {@link #setToRecordKey}), hashed with a pooled digest.
   *
   * @param partitionKey the record's partition key; may be null only with an explicit hash key
   * @param explicitHashKey its explicit hash key, or null
   * @return the new key
   * @throws IllegalArgumentException if the explicit hash key is not a valid hash key
   */
  public static HashKey ofRecord(String partitionKey, String explicitHashKey) {
    Md5 md5 = Md5.take();
    try {
      return new HashKey().setToRecordKey(partitionKey, explicitHashKey, md5);
    } finally {
      md5.giveBack();
    }
  }

  /**
   * Sets the key from its two halves.
   *
   * @param high the upper 64 bits, unsigned
   * @param low the lower 64 bits, unsigned
   * @return this key
   */
  public HashKey set(long high, long low) {
    this.high = high;
    this.low = low;
    return this;
  }

  /**
   * Unsigned 128-bit comparison.
   *
   * @param high1 the upper 64 bits of the first key
   * @param low1 the lower 64 bits of the first key
   * @param high2 the upper 64 bits of the second key
   * @param low2 the lower 64 bits of the second key
   * @return negative, zero or positive as the first key is below, equal to or above the second
   */
  public static int compare(long high1, long low1, long high2, long low2) {
    int c = Long.compareUnsigned(high1, high2);
    return c != 0 ? c : Long.compareUnsigned(low1, low2);
  }

  /**
   * Canonical decimal form (allocates the string; called once per aggregate, not per user record).
   *
   * @param high the upper 64 bits, unsigned
   * @param low the lower 64 bits, unsigned
   * @return the key as {@code 0|[1-9][0-9]{0,38}}
   */
  public static String toDecimal(long high, long low) {
    byte[] digits = new byte[MAX_DIGITS];
    int start = writeDecimal(high, low, digits);
    return new String(digits, start, MAX_DIGITS - start, StandardCharsets.ISO_8859_1);
  }

  /**
   * Writes the canonical decimal form right-aligned into {@code digits[0, 39)} and returns the index of its first
   * digit. Perf: no {@code BigInteger}: the four 32-bit limbs are divided by 10^9 in {@code long} arithmetic, nine
   * digits at a time.
   */
  static int writeDecimal(long high, long low, byte[] digits) {
    long w3 = high >>> 32;
    long w2 = high & 0xFFFFFFFFL;
    long w1 = low >>> 32;
    long w0 = low & 0xFFFFFFFFL;
    int p = MAX_DIGITS;
    while (true) {
      // (remainder << 32 | limb) < 10^9 * 2^32 < 2^63: no overflow.
      long t = w3;
      w3 = t / BILLION;
      t = (t % BILLION) << 32 | w2;
      w2 = t / BILLION;
      t = (t % BILLION) << 32 | w1;
      w1 = t / BILLION;
      t = (t % BILLION) << 32 | w0;
      w0 = t / BILLION;
      int chunk = (int) (t % BILLION);
      boolean last = (w3 | w2 | w1 | w0) == 0;
      for (int i = 0; i < 9 && !(last && chunk == 0 && i > 0); i++) {
        digits[--p] = (byte) ('0' + chunk % 10);
        chunk /= 10;
      }
      if (last) {
        return p;
      }
    }
  }

  @Override
  public String toString() {
    return toDecimal(high, low);
  }

  private static long bigEndianLong(byte[] b, int off) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[off + i] & 0xFF);
    }
    return v;
  }

  private static IllegalArgumentException invalid(String decimal, String what, String rule) {
    StringBuilder message = new StringBuilder(what).append(" \"");
    for (int i = 0; i < Math.min(decimal.length(), 60); i++) {
      char c = decimal.charAt(i);
      if (c < ' ' || c == 0x7F) { // control characters (which trim drops) shown, not printed
        message.append(String.format("\\u%04x", (int) c));
      } else {
        message.append(c);
      }
    }
    message.append(decimal.length() > 60 ? "...\" " : "\" ");
    return new IllegalArgumentException(message.append(rule).toString());
  }
}
