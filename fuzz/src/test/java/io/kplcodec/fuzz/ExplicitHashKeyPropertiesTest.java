package io.kplcodec.fuzz;

import io.kplcodec.AggregateEncoder;
import io.kplcodec.Aggregator;
import io.kplcodec.HashKeyRange;
import io.kplcodec.KinesisRecord;
import io.kplcodec.RecordTooLargeException;
import io.kplcodec.compat.CompatRecord;
import io.kplcodec.compat.Hex;
import io.kplcodec.compat.KplExplicitHashKeys;
import io.kplcodec.compat.ProtobufJavaCodec;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * Issue 22: explicit hash keys given in any form the KPL accepts, against the {@link BigInteger} reference ({@link
 * HashKeys#parseGiven}: the KPL's {@code new BigInteger(text.trim())} in 0..2^128-1). Every entry point accepts
 * exactly that text, sends and writes its canonical form (the very String when it already is canonical), and
 * refuses the rest with an {@link IllegalArgumentException}; sizes stay exact with non-canonical keys.
 */
class ExplicitHashKeyPropertiesTest {
  static final int TEXT_TRIES = 10_000;
  static final int ENCODER_TRIES = 1000;
  static final int LONE_RECORD_TRIES = 2000;

  private static final BigInteger TWO_128 = BigInteger.ONE.shiftLeft(128);
  private static final ProtobufJavaCodec REFERENCE = new ProtobufJavaCodec();

  /** Parsing and canonicalising agree with BigInteger, through every public entry point that takes the key. */
  @Property(tries = TEXT_TRIES)
  void entryPointsReadExplicitHashKeysAsBigIntegerDoes(@ForAll("explicitHashKeyText") String text) {
    BigInteger expected = HashKeys.parseGiven(text);
    String canonical = expected == null ? null : expected.toString();
    Statistics.label("kind").collect(expected == null ? refusal(text)
        : text.equals(canonical) ? "canonical" : "non-canonical, accepted");
    Statistics.label("digits").collect(text.length() < 38 ? "<38" : text.length() <= 41 ? "38-41" : ">41");

    KinesisRecord plain = refusedUnless(expected != null, () -> KinesisRecord.of("k", text, new byte[1]),
        "KinesisRecord.of", text);
    if (plain != null) {
      if (!plain.explicitHashKey().equals(canonical)) {
        throw new AssertionError("KinesisRecord.of kept " + quote(plain.explicitHashKey()) + " for " + quote(text));
      }
      if (text.equals(canonical) && plain.explicitHashKey() != text) {
        throw new AssertionError("a canonical key was copied: " + text);
      }
    }
    Boolean contained = refusedUnless(expected != null, () -> HashKeyRange.all().contains(text),
        "HashKeyRange.contains", text);
    if (contained != null && !contained) {
      throw new AssertionError("HashKeyRange.all() does not contain " + quote(text));
    }
    AggregateEncoder encoder = new AggregateEncoder();
    Long size = refusedUnless(expected != null, () -> encoder.sizeWith("k", text, 0), "AggregateEncoder.sizeWith",
        text);
    if (size != null) {
      // 20 framing + table entry "k" (3) + table entry canonical (2 + length) + record (2 + 6 with an index)
      long canonicalSize = 20 + 3 + 2 + canonical.length() + 8;
      if (size != canonicalSize) {
        throw new AssertionError("sizeWith counted " + size + " bytes for " + quote(text) + ", canonically "
            + canonicalSize);
      }
    }
    Aggregator aggregator = Aggregator.builder().build();
    KinesisRecord sent = refusedUnless(expected != null, () -> {
      aggregator.add("k", text, new byte[1]);
      return aggregator.flush().get(0);
    }, "Aggregator.add", text);
    if (sent != null && !sent.explicitHashKey().equals(canonical)) {
      throw new AssertionError("Aggregator sent " + quote(sent.explicitHashKey()) + " for " + quote(text));
    }
    if (sent == null && aggregator.pendingUserRecordCount() != 0) {
      throw new AssertionError("a refused user record is pending: " + quote(text));
    }
  }

  /**
   * sizeWith before each add is the size after it, and the bytes are protobuf-java's of the records with their
   * explicit hash keys as the KPL writes them: canonical, de-duplicated after canonicalising.
   */
  @Property(tries = ENCODER_TRIES)
  void encoderSizesStayExactWithNonCanonicalKeys(@ForAll("givenRecords") List<CompatRecord> records) {
    AggregateEncoder encoder = new AggregateEncoder();
    for (int i = 0; i < records.size(); i++) {
      CompatRecord r = records.get(i);
      long predicted = encoder.sizeWith(r.partitionKey(), r.explicitHashKey(), r.data().length);
      encoder.add(r.partitionKey(), r.explicitHashKey(), r.data());
      if (predicted != encoder.size()) {
        throw new AssertionError("sizeWith predicted " + predicted + " before record " + i + " (" + r
            + "); the size became " + encoder.size());
      }
    }
    byte[] expected = REFERENCE.encode(KplExplicitHashKeys.asSent(records));
    byte[] actual = encoder.toByteArray();
    if (actual.length != encoder.size() || !Arrays.equals(expected, actual)) {
      throw new AssertionError("size() " + encoder.size() + ", encoded " + Hex.abbreviate(actual)
          + ", the KPL's (protobuf-java of the canonical keys) " + Hex.abbreviate(expected));
    }
    long given = records.stream().map(CompatRecord::explicitHashKey).filter(k -> k != null).distinct().count();
    long canonical = records.stream().map(CompatRecord::explicitHashKey).filter(k -> k != null)
        .map(KplExplicitHashKeys::asSent).distinct().count();
    Statistics.label("table shortened by canonicalising").collect(canonical < given);
  }

  /**
   * A user record that starts an aggregate is sized with its explicit hash key's canonical length: with the maximum
   * record size exactly its aggregate plus outgoing partition key it is accepted, one byte less and it is refused.
   */
  @Property(tries = LONE_RECORD_TRIES)
  void aLoneAggregatedRecordIsSizedByItsCanonicalKey(@ForAll("partitionKeys") String partitionKey,
      @ForAll("givenExplicitHashKeys") String explicitHashKey, @ForAll @IntRange(max = 3000) int dataLength) {
    CompatRecord record = new CompatRecord(partitionKey, explicitHashKey, new byte[dataLength]);
    int exact = REFERENCE.encode(KplExplicitHashKeys.asSent(List.of(record))).length
        + partitionKey.getBytes(StandardCharsets.UTF_8).length;
    Aggregator fits = Aggregator.builder().aggregateLoneRecords(true).maxRecordSize(exact).build();
    fits.add(partitionKey, explicitHashKey, record.data());
    List<KinesisRecord> out = fits.flush();
    if (out.size() != 1 || out.get(0).sizeInBytes() != exact) {
      throw new AssertionError("expected one record of " + exact + " bytes, got " + out);
    }
    Aggregator tooSmall = Aggregator.builder().aggregateLoneRecords(true).maxRecordSize(exact - 1).build();
    try {
      tooSmall.add(partitionKey, explicitHashKey, record.data());
      throw new AssertionError("a record of " + exact + " bytes was accepted under a limit of " + (exact - 1));
    } catch (RecordTooLargeException expected) {
      // as it should
    }
    Statistics.label("non-canonical").collect(!explicitHashKey.equals(KplExplicitHashKeys.asSent(explicitHashKey)));
  }

  /**
   * Text around explicit hash keys: digit strings with optional signs, leading zeros (lengths around 39 and 40
   * digits), values around 2^128 and 10^38..10^39, surrounding whitespace and control characters (which the KPL's
   * trim drops) or other blanks (which it does not), non-ASCII digits, and single characters that break a number.
   */
  @Provide
  Arbitrary<String> explicitHashKeyText() {
    Arbitrary<BigInteger> values = Arbitraries.<BigInteger>frequencyOf(
        Tuple.of(4, HashKeys.hashKeys()),
        Tuple.of(3, Arbitraries.bigIntegers().between(TWO_128.subtract(BigInteger.valueOf(1000)),
            TWO_128.add(BigInteger.valueOf(1000)))),
        Tuple.of(1, Arbitraries.bigIntegers().between(BigInteger.TEN.pow(38).subtract(BigInteger.TEN),
            BigInteger.TEN.pow(38).add(BigInteger.TEN))),
        Tuple.of(1, Arbitraries.bigIntegers().between(BigInteger.TEN.pow(39).subtract(BigInteger.TEN),
            BigInteger.TEN.pow(39).add(BigInteger.TEN))),
        Tuple.of(1, Arbitraries.bigIntegers().between(BigInteger.ZERO, BigInteger.ONE.shiftLeft(140))));
    Arbitrary<String> signs = Arbitraries.frequency(Tuple.of(12, ""), Tuple.of(4, "+"), Tuple.of(3, "-"),
        Tuple.of(1, "+-"), Tuple.of(1, "--"));
    Arbitrary<Integer> zeros = Arbitraries.<Integer>frequencyOf(Tuple.of(5, Arbitraries.just(0)),
        Tuple.of(2, Arbitraries.integers().between(1, 3)), Tuple.of(2, Arbitraries.integers().between(35, 45)));
    Arbitrary<String> blanks = Arbitraries.frequency(Tuple.of(20, ""), Tuple.of(2, " "), Tuple.of(2, "\t\n"),
        Tuple.of(1, "\u0000"), Tuple.of(1, "\u00a0"), Tuple.of(1, "\u2009"));
    Arbitrary<String> numbers = Combinators.combine(blanks, signs, zeros, values, blanks)
        .as((before, sign, n, value, after) -> before + sign + "0".repeat(n) + value + after);
    Arbitrary<String> digitStrings = Combinators.combine(signs,
        Arbitraries.strings().withChars("0123456789").ofMinLength(0).ofMaxLength(45)).as((s, d) -> s + d);
    Arbitrary<String> foreignDigits = values.map(v -> v.toString().chars()
        .mapToObj(c -> String.valueOf((char) (c - '0' + (c % 2 == 0 ? '\u0660' : '\uff10'))))
        .collect(java.util.stream.Collectors.joining()));
    Arbitrary<String> broken = Combinators.combine(numbers, Arbitraries.of('e', '.', 'x', '_', ' ', '/', ':', 'a'),
        Arbitraries.integers().between(0, 50)).as((s, c, at) -> {
          int i = Math.min(at, s.length());
          return s.substring(0, i) + c + s.substring(i);
        });
    return Arbitraries.<String>frequencyOf(Tuple.of(12, numbers), Tuple.of(3, digitStrings),
        Tuple.of(1, foreignDigits), Tuple.of(1, broken));
  }

  /**
   * Up to 60 user records whose explicit hash keys (absent for some) are each one of the forms of one of a few
   * values, so that tables de-duplicate only once canonical.
   */
  @Provide
  Arbitrary<List<CompatRecord>> givenRecords() {
    Arbitrary<List<BigInteger>> values = HashKeys.hashKeys().list().ofMinSize(1).ofMaxSize(3);
    Arbitrary<List<String>> partitionKeys = UserRecords.partitionKeys().list().ofMinSize(1).ofMaxSize(4);
    return Combinators.combine(values, partitionKeys).flatAs((pool, keys) -> {
      Arbitrary<String> explicitHashKey = Arbitraries.of(pool).flatMap(HashKeys::givenForms).injectNull(0.2);
      return Combinators.combine(Arbitraries.of(keys), explicitHashKey, UserRecords.data(300)).as(CompatRecord::new)
          .list().ofMinSize(0).ofMaxSize(60);
    });
  }

  @Provide
  Arbitrary<String> givenExplicitHashKeys() {
    return HashKeys.givenExplicitHashKeys();
  }

  @Provide
  Arbitrary<String> partitionKeys() {
    return UserRecords.partitionKeys();
  }

  private static String refusal(String text) {
    try {
      BigInteger value = new BigInteger(text.trim());
      return value.signum() < 0 ? "refused: negative" : "refused: above 2^128-1";
    } catch (NumberFormatException e) {
      return "refused: not a number";
    }
  }

  /** Runs {@code call}: its result if {@code valid}; else it must throw an IllegalArgumentException, and null. */
  private static <T> T refusedUnless(boolean valid, java.util.function.Supplier<T> call, String what, String text) {
    try {
      T result = call.get();
      if (!valid) {
        throw new AssertionError(what + " accepted " + quote(text));
      }
      return result;
    } catch (IllegalArgumentException e) {
      if (valid) {
        throw new AssertionError(what + " refused " + quote(text) + ": " + e.getMessage(), e);
      }
      if (!e.getMessage().startsWith("Explicit hash key \"")) {
        throw new AssertionError(what + " refused " + quote(text) + " without naming it: " + e.getMessage());
      }
      return null;
    }
  }

  private static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      out.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04X", (int) c));
    }
    return out.append('"').toString();
  }
}
