package io.kplcodec.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import io.kplcodec.AggregateEncoder;
import io.kplcodec.Classification;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Conformance 1: kpl-codec's aggregated records are byte-identical to protobuf-java's serialization of the same
 * message, framed with magic and MD5; and kpl-codec knows the size before encoding. Explicit hash keys are given in
 * every form the KPL accepts: the message is the one the KPL would build, with them canonical (issue 22, {@link
 * KplExplicitHashKeys}); one the KPL refuses, kpl-codec refuses too.
 */
class EncodingConformanceTest {
  /** Generated aggregates per run (see the README). */
  static final int GENERATED_AGGREGATES = 10_000;

  private static final KplCodec KPL = KplCodec.strict();
  private static final ProtobufJavaCodec PROTOBUF = new ProtobufJavaCodec();

  @Test
  void generatedAggregatesAreByteIdentical() {
    long records = 0;
    for (int i = 0; i < GENERATED_AGGREGATES; i++) {
      Seeds.Case c = Seeds.of("encoding", i);
      Random random = c.random;
      int count = switch (random.nextInt(10)) {
        case 0, 1, 2, 3 -> random.nextInt(6);
        case 9 -> 100 + random.nextInt(900);
        default -> random.nextInt(100);
      };
      List<CompatRecord> input = new RecordGenerator(random, false).kplForms().records(count);
      assertConforms(c, input);
      records += count;
    }
    System.out.printf("encoding: %d generated aggregates, %d user records, byte-identical%n", GENERATED_AGGREGATES,
        records);
  }

  static Stream<Arguments> edgeCases() {
    Random random = new Random(1);
    List<Arguments> cases = new ArrayList<>();
    cases.add(Arguments.of("no records", List.of()));
    cases.add(Arguments.of("one record, empty data", List.of(record("pk", null, 0))));
    cases.add(Arguments.of("empty partition key", List.of(record("", null, 3))));
    cases.add(Arguments.of("data lengths at varint boundaries", List.of(record("a", null, 127), record("a", null, 128),
        record("a", null, 16383), record("a", null, 16384), record("a", null, 2097151), record("a", null, 2097152))));
    cases.add(Arguments.of("10 MiB of data", List.of(record("big", null, 10 * 1024 * 1024))));
    cases.add(Arguments.of("10 MiB of data among small records",
        List.of(record("a", "1", 5), record("big", null, 10 * 1024 * 1024), record("a", null, 7))));
    for (String key : RecordGenerator.TRICKY_KEYS) {
      cases.add(Arguments.of("tricky key " + escape(key),
          List.of(record(key, null, 2), record("x", "7", 1), record(key, "7", 0))));
      // Written canonically if the KPL takes it, else refused.
      cases.add(Arguments.of("tricky explicit hash key " + escape(key),
          List.of(record("x", "7", 1), record("x", key, 1), record(key, key, 0))));
    }
    cases.add(Arguments.of("multi-byte and 4-byte UTF-8 keys",
        List.of(record("é", null, 1), record("中", "42", 1), record("😀", null, 1),
            record("a😀é中", "\u0664\u0662", 1))));
    cases.add(Arguments.of("unpaired surrogates next to '?' (both write as '?', two table entries)",
        List.of(record("a\uD800", null, 1), record("a?", null, 1), record("a\uDC00", null, 1))));
    cases.add(Arguments.of("integer-looking keys keep first-use order",
        List.of(record("100", null, 1), record("2", null, 1), record("10", null, 1), record("1", null, 1),
            record("0", null, 1), record("2", null, 1))));
    cases.add(Arguments.of("duplicate keys", List.of(record("k", "5", 1), record("k", "5", 2), record("k", null, 3),
        record("j", "5", 4), record("k", "6", 5))));
    cases.add(Arguments.of("explicit hash key on every record", recordsWith(random, 50, 100)));
    cases.add(Arguments.of("explicit hash key on no record", recordsWith(random, 50, 0)));
    cases.add(Arguments.of("explicit hash key mixed", recordsWith(random, 50, 50)));
    cases.add(Arguments.of("partition key of 256 four-byte characters", List.of(record("😀".repeat(256), null, 1))));
    List<CompatRecord> distinct = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) { // indexes up to three varint bytes
      distinct.add(record("key-" + i, i % 3 == 0 ? Integer.toString(i) : null, i % 5));
    }
    cases.add(Arguments.of("20,000 records with distinct keys", distinct));
    List<CompatRecord> thousands = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      thousands.add(record("key-" + (i % 7), null, i % 300));
    }
    cases.add(Arguments.of("5,000 records sharing 7 keys", thousands));
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("edgeCases")
  void edgeCasesAreByteIdentical(String name, List<CompatRecord> records) {
    assertConforms(name, records);
  }

  /** protobuf-java writes an unpaired surrogate as '?', and so must kpl-codec (KINESIS-FACTS). */
  @Test
  void unpairedSurrogateIsWrittenAsQuestionMark() {
    byte[] encoded = KPL.encode(List.of(record("a\uD800b", null, 0)));
    assertEquals("F3899AC2" + "0A03613F62" + "1A0408001A00", Hex.of(encoded).substring(0, 8 + 10 + 12));
    assertEquals(Hex.of(PROTOBUF.encode(List.of(record("a\uD800b", null, 0)))), Hex.of(encoded));
  }

  /** A canonical vector, written out: tables first, partition key index always present, EHK index only if set. */
  @Test
  void canonicalVector() {
    List<CompatRecord> records = List.of(new CompatRecord("a", null, new byte[] {1}),
        new CompatRecord("b", "7", new byte[] {2, 3}), new CompatRecord("a", "7", new byte[0]));
    String message = "0A0161" + "0A0162" + "120137"
        + "1A05" + "0800" + "1A0101"
        + "1A08" + "0801" + "1000" + "1A020203"
        + "1A06" + "0800" + "1000" + "1A00";
    byte[] expected = ProtobufJavaCodec.frame(Hex.parse(message));
    assertEquals(Hex.of(expected), Hex.of(PROTOBUF.encode(records)));
    assertEquals(Hex.of(expected), Hex.of(KPL.encode(records)));
  }

  /**
   * Both encodings agree (protobuf-java given the explicit hash keys as the KPL writes them), the size was known in
   * advance, and the bytes decode back to the records; or, for an explicit hash key the KPL refuses, kpl-codec
   * refuses the records.
   */
  static void assertConforms(Object context, List<CompatRecord> records) {
    if (!KplExplicitHashKeys.acceptsAll(records)) {
      assertThrows(IllegalArgumentException.class, () -> KPL.encode(records), context::toString);
      return;
    }
    List<CompatRecord> asSent = KplExplicitHashKeys.asSent(records);
    byte[] expected = PROTOBUF.encode(asSent);
    byte[] actual = KPL.encode(records);
    if (!Arrays.equals(expected, actual)) {
      int at = Arrays.mismatch(expected, actual);
      fail(context + ": kpl-codec's bytes differ from protobuf-java's at offset " + at + " (lengths "
          + expected.length + " and " + actual.length + ")\n  protobuf-java: " + window(expected, at)
          + "\n  kpl-codec:     " + window(actual, at) + "\n  records: " + abbreviate(records));
    }
    assertSizeKnownInAdvance(context, records, expected.length);
    Decoded decoded = KPL.decode(actual);
    Decoded expectedDecoded = records.isEmpty()
        ? Decoded.notAggregated(actual) // 20 bytes: KCL's length rule says not aggregated
        : Decoded.aggregated(RecordGenerator.asWritten(asSent));
    if (!expectedDecoded.equals(decoded)) {
      fail(context + ": kpl-codec does not decode its own output back\n  expected: " + expectedDecoded
          + "\n  actual: " + decoded);
    }
    if (!records.isEmpty()) {
      assertEquals(Classification.AGGREGATED, PROTOBUF.decode(actual).classification(), () -> context.toString());
    }
  }

  /** {@link AggregateEncoder#sizeWith} predicts every step exactly, and the final size is protobuf-java's. */
  private static void assertSizeKnownInAdvance(Object context, List<CompatRecord> records, int protobufSize) {
    AggregateEncoder encoder = new AggregateEncoder();
    for (int i = 0; i < records.size(); i++) {
      CompatRecord r = records.get(i);
      long predicted = encoder.sizeWith(r.partitionKey(), r.explicitHashKey(), r.data().length);
      encoder.add(r.partitionKey(), r.explicitHashKey(), r.data());
      if (predicted != encoder.size()) {
        fail(context + ": sizeWith predicted " + predicted + " before record " + i + ", size is " + encoder.size());
      }
    }
    assertEquals(protobufSize, encoder.size(), () -> context + ": size() differs from protobuf-java's length");
  }

  private static String window(byte[] bytes, int at) {
    int from = Math.max(0, at - 8);
    int to = Math.min(bytes.length, at + 16);
    return (from > 0 ? ".." : "") + Hex.of(Arrays.copyOfRange(bytes, from, to)) + (to < bytes.length ? ".." : "");
  }

  private static String abbreviate(List<CompatRecord> records) {
    return records.size() <= 5 ? records.toString() : records.subList(0, 5) + " and " + (records.size() - 5) + " more";
  }

  private static List<CompatRecord> recordsWith(Random random, int count, int ehkPercent) {
    List<CompatRecord> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String ehk = random.nextInt(100) < ehkPercent ? Integer.toString(random.nextInt(10)) : null;
      records.add(record("pk" + random.nextInt(10), ehk, random.nextInt(50)));
    }
    return records;
  }

  static CompatRecord record(String partitionKey, String explicitHashKey, int dataLength) {
    byte[] data = new byte[dataLength];
    for (int i = 0; i < dataLength; i++) {
      data[i] = (byte) (i * 31 + dataLength);
    }
    return new CompatRecord(partitionKey, explicitHashKey, data);
  }

  static String escape(String s) {
    StringBuilder out = new StringBuilder();
    for (char c : s.toCharArray()) {
      out.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04X", (int) c));
    }
    return out.length() == 0 ? "(empty)" : out.toString();
  }
}
