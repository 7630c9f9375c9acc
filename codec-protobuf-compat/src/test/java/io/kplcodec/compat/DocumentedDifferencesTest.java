package io.kplcodec.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kplcodec.Classification;
import io.kplcodec.CorruptAggregateException;
import io.kplcodec.CorruptAggregateException.Reason;
import io.kplcodec.Deaggregator;
import io.kplcodec.Deaggregator.DropReason;
import io.kplcodec.Deaggregator.HashRangePolicy;
import io.kplcodec.HashKeyRange;
import io.kplcodec.UserRecord;
import io.kplcodec.compat.proto.AggregatedRecordProtos.AggregatedRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One test per row of the README's table of deliberate differences, each checking all parties on a hex vector:
 * protobuf-java 4.36.2 (generated classes, {@code parseFrom(byte[])}), KCL 3.5.1 (as shipped, and with {@code
 * javax.xml.bind} present), and kpl-codec. Then the agreements the table relies on, pinned the same way.
 */
class DocumentedDifferencesTest {
  private static final ProtobufJavaCodec PROTOBUF = new ProtobufJavaCodec();
  private static final KclCodec KCL = KclCodec.create();
  private static final Deaggregator STRICT = Deaggregator.create();

  /** {@code 0A 01 61}: partition key table ["a"]. */
  private static final String KEY_A = "0A0161";
  private static final CompatRecord A_EMPTY = new CompatRecord("a", null, new byte[0]);

  private static byte[] record(String messageHex) {
    return ProtobufJavaCodec.frame(Hex.parse(messageHex));
  }

  private static CorruptAggregateException kplCodecRejects(byte[] record, Reason reason, long offset) {
    CorruptAggregateException e = assertThrows(CorruptAggregateException.class, () -> STRICT.deaggregate(record));
    assertEquals(reason, e.reason(), e::getMessage);
    assertEquals(offset, e.offset(), e::getMessage);
    assertEquals(Classification.CORRUPT, STRICT.classify(record));
    return e;
  }

  private static NoClassDefFoundError kclThrows(byte[] record) {
    NoClassDefFoundError e = assertThrows(NoClassDefFoundError.class, () -> KCL.decode(record));
    assertTrue(e.getMessage().contains("javax/xml/bind/DatatypeConverter"), e::getMessage);
    return e;
  }

  @Nested
  class LenientReadingsOfProtobufJava {
    /** Row 1: a ten-byte varint whose last byte is above 1 (bits beyond 64). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "0A0161 1A0D 08 80808080808080808002 1A00", // in an index: protobuf-java reads 0
        "0A 81808080808080808002 61 1A040800 1A00", // in a length: protobuf-java reads 1
        "8A80808080808080807E 0161 1A040800 1A00"}) // in a tag: protobuf-java reads 0x0A
    void tenthByteAboveOne(String message) {
      byte[] record = record(message);
      assertEquals(Decoded.aggregated(List.of(A_EMPTY)), PROTOBUF.decode(record));
      assertEquals(Decoded.aggregated(List.of(A_EMPTY)), KCL.decode(record));
      long offset = message.startsWith("0A0161") ? 4 + 5 : 4;
      kplCodecRejects(record, Reason.MALFORMED_VARINT, offset);
    }

    /** Row 2: a length of 2^32 + 1, which protobuf-java reads as 1. */
    @Test
    void lengthBeyond32Bits() {
      byte[] record = record("0A 8180808010 61 1A040800 1A00");
      assertEquals(Decoded.aggregated(List.of(A_EMPTY)), PROTOBUF.decode(record));
      assertEquals(Decoded.aggregated(List.of(A_EMPTY)), KCL.decode(record));
      kplCodecRejects(record, Reason.LENGTH_EXCEEDS_INPUT, 4);
    }

    /** Row 3: a tag of 2^32 + 0x0A, which protobuf-java reads as 0x0A. */
    @Test
    void tagBeyond32Bits() {
      byte[] record = record("8A80808010 0161 1A040800 1A00");
      assertEquals(Decoded.aggregated(List.of(A_EMPTY)), PROTOBUF.decode(record));
      assertEquals(Decoded.aggregated(List.of(A_EMPTY)), KCL.decode(record));
      kplCodecRejects(record, Reason.INVALID_TAG, 4);
    }
  }

  @Nested
  class BadIndexes {
    /** Three records; the second points past the one-entry table. */
    private final byte[] record = record(KEY_A + "1A0508001A0101" + "1A0508011A0102" + "1A0508001A0103");

    /** Row 4: KCL as shipped throws out of deaggregate: the whole GetRecords batch fails. */
    @Test
    void kclThrowsNoClassDefFoundError() {
      assertEquals(Classification.CORRUPT, PROTOBUF.decode(record).classification()); // parses; index is bad
      kclThrows(record);
    }

    /** Row 4: with javax.xml.bind present, KCL keeps the first record and loses the rest (a log line only). */
    @Test
    void kclWithJaxbKeepsAPartialResult() throws ReflectiveOperationException {
      assertEquals(List.of(new CompatRecord("a", null, new byte[] {1})), KclWithJaxb.deaggregate(record));
    }

    /** Row 4: kpl-codec emits nothing and says which record and why; or passes it through whole, if asked. */
    @Test
    void kplCodecRejectsTheWholeAggregate() {
      kplCodecRejects(record, Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE, 4 + 10);
      List<CorruptAggregateException> heard = new ArrayList<>();
      Deaggregator passing = Deaggregator.builder().passCorruptAggregatesThrough(true)
          .listener(new Deaggregator.Listener() {
            @Override
            public void corruptPassedThrough(CorruptAggregateException cause) {
              heard.add(cause);
            }
          }).build();
      List<UserRecord> out = passing.deaggregate(record);
      assertEquals(1, out.size());
      assertEquals(Hex.of(record), Hex.of(out.get(0).dataBytes()));
      assertEquals(Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE, heard.get(0).reason());
    }

    /** Row 4, explicit hash key index: the same on every side. */
    @Test
    void explicitHashKeyIndexOutsideItsTable() {
      byte[] bad = record(KEY_A + "120135" + "1A0608001001" + "1A00");
      assertEquals(Classification.CORRUPT, PROTOBUF.decode(bad).classification());
      kclThrows(bad);
      kplCodecRejects(bad, Reason.EXPLICIT_HASH_KEY_INDEX_OUT_OF_RANGE, 4 + 6);
    }

    /** Row 5: index 2^32 in a two-entry table: KCL's int cast reads entry 0, the wrong key, silently. */
    @Test
    void indexCastToIntReadsTheWrongKey() {
      byte[] wrapped = record(KEY_A + "0A0162" + "1A09" + "088080808010" + "1A0101");
      assertEquals(Decoded.aggregated(List.of(new CompatRecord("a", null, new byte[] {1}))), KCL.decode(wrapped));
      assertEquals(Classification.CORRUPT, PROTOBUF.decode(wrapped).classification());
      kplCodecRejects(wrapped, Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE, 4 + 6);
    }
  }

  /** Row 6: magic and MD5 right, protobuf that does not parse: KCL passes it through as a user record. */
  @Test
  void unparsableAggregateIsPassedThroughByKcl() {
    byte[] record = record("0A0561"); // a length beyond the message
    assertEquals(Decoded.notAggregated(record), KCL.decode(record));
    assertEquals(Classification.CORRUPT, PROTOBUF.decode(record).classification());
    kplCodecRejects(record, Reason.LENGTH_EXCEEDS_INPUT, 4);
    Decoded passing = KplCodec.passingCorruptThrough().decode(record);
    assertEquals(Classification.CORRUPT, passing.classification());
    assertEquals(KCL.decode(record).records(), passing.records());
  }

  @Nested
  class ExplicitHashKeys {
    private byte[] withExplicitHashKey(String explicitHashKey) {
      byte[] text = NonCanonicalEncoder.utf8(explicitHashKey);
      return record(KEY_A + "12" + String.format("%02X", text.length) + Hex.of(text) + "1A0608001000" + "1A00");
    }

    /**
     * Row 7: an explicit hash key outside 0..2^128-1: KCL's deaggregate(records), which takes no range, still
     * filters by 0..2^128-1 and drops the aggregate silently; kpl-codec without a filter returns it as written.
     */
    @ParameterizedTest
    @ValueSource(strings = {"-1", "340282366920938463463374607431768211456"})
    void outsideTheHashKeySpace(String explicitHashKey) {
      byte[] record = withExplicitHashKey(explicitHashKey);
      assertEquals(Decoded.aggregated(List.of()), KCL.decode(record));
      Decoded expected = Decoded.aggregated(List.of(new CompatRecord("a", explicitHashKey, new byte[0])));
      assertEquals(expected, KplCodec.strict().decode(record));
      assertEquals(expected, PROTOBUF.decode(record));
      assertFilterRejects(record);
    }

    /** Row 8: not a number: KCL takes its error path (NoClassDefFoundError, or nothing kept with jaxb). */
    @Test
    void notANumber() throws ReflectiveOperationException {
      byte[] record = withExplicitHashKey("abc");
      kclThrows(record);
      assertEquals(List.of(), KclWithJaxb.deaggregate(record));
      assertEquals(Decoded.aggregated(List.of(new CompatRecord("a", "abc", new byte[0]))),
          KplCodec.strict().decode(record));
      assertFilterRejects(record);
    }

    /**
     * Row 9: text BigInteger reads as a number in range (sign, leading zeros, non-ASCII digits): KCL routes by it;
     * kpl-codec's filter takes only canonical decimals, and without a filter both return the text.
     */
    @ParameterizedTest
    @ValueSource(strings = {"+5", "007", "-0", "\u0663"})
    void notCanonicalButANumberToKcl(String explicitHashKey) {
      byte[] record = withExplicitHashKey(explicitHashKey);
      Decoded expected = Decoded.aggregated(List.of(new CompatRecord("a", explicitHashKey, new byte[0])));
      assertEquals(expected, KCL.decode(record));
      assertEquals(expected, KplCodec.strict().decode(record));
      assertFilterRejects(record);
    }

    private void assertFilterRejects(byte[] record) {
      for (HashRangePolicy policy : List.of(HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS,
          HashRangePolicy.DROP_WHOLE_AGGREGATE)) {
        Deaggregator filtering = Deaggregator.builder().hashRange(HashKeyRange.all()).hashRangePolicy(policy).build();
        CorruptAggregateException e =
            assertThrows(CorruptAggregateException.class, () -> filtering.deaggregate(record));
        assertEquals(Reason.INVALID_EXPLICIT_HASH_KEY, e.reason());
      }
    }
  }

  /**
   * Rows 11 and 12, the encoding side: explicit hash keys given to an encoder. protobuf-java writes any text as
   * given; the KPL (KplVectorsTest holds kpl-codec to its captured output) and kpl-codec take what its addUserRecord
   * takes, write it canonically and de-duplicate it after that, and refuse the rest.
   */
  @Nested
  class ExplicitHashKeysGivenToAnEncoder {
    /** Row 11: forms the KPL accepts, written canonically: "00042", "+42" and " 42" are one table entry, "42". */
    @Test
    void nonCanonicalFormsAreWrittenCanonicallyAsTheKplWritesThem() throws InvalidProtocolBufferException {
      List<CompatRecord> given = List.of(new CompatRecord("a", "00042", new byte[0]),
          new CompatRecord("a", "+42", new byte[0]), new CompatRecord("a", " 42\n", new byte[0]),
          new CompatRecord("a", "-0", new byte[0]), new CompatRecord("a", "\u0664\u0662", new byte[0]));
      // protobuf-java: five table entries, as given.
      assertEquals(5, explicitHashKeyTableSize(PROTOBUF.encode(given)));
      // kpl-codec: "42" and "0", the KPL's table.
      String kplTable = KEY_A + "12023432" + "120130";
      String fortyTwo = "1A0608001000" + "1A00";
      String kplMessage = kplTable + fortyTwo.repeat(3) + "1A0608001001" + "1A00" + fortyTwo;
      assertEquals(Hex.of(record(kplMessage)), Hex.of(KplCodec.strict().encode(given)));
      assertEquals(Hex.of(record(kplMessage)), Hex.of(PROTOBUF.encode(KplExplicitHashKeys.asSent(given))));
    }

    private int explicitHashKeyTableSize(byte[] record) throws InvalidProtocolBufferException {
      return AggregatedRecord.parseFrom(ProtobufJavaCodec.messageOf(record)).getExplicitHashKeyTableCount();
    }

    /** Row 12: text the KPL refuses (not a number, negative, 2^128 or more) is refused, naming the problem. */
    @ParameterizedTest
    @ValueSource(strings = {"abc", "1e3", "", "-1", "340282366920938463463374607431768211456"})
    void textTheKplRefusesIsRefused(String explicitHashKey) throws InvalidProtocolBufferException {
      List<CompatRecord> given = List.of(new CompatRecord("a", explicitHashKey, new byte[0]));
      assertEquals(1, explicitHashKeyTableSize(PROTOBUF.encode(given)));
      assertThrows(IllegalArgumentException.class, () -> KplExplicitHashKeys.asSent(explicitHashKey));
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> KplCodec.strict().encode(given));
      assertTrue(e.getMessage().startsWith("Explicit hash key \"" + explicitHashKey + "\" is "), e::getMessage);
    }
  }

  /**
   * Row 10: one user record outside the consuming shard's range. KCL drops the whole aggregate silently; kpl-codec
   * keeps everything by default, and on request drops the outsiders or (as KCL) the aggregate, reporting each.
   */
  @Test
  void oneRecordOutsideTheShardsRange() {
    byte[] record = record(KEY_A + "120135" + "1203313030" + "1A0708001000" + "1A0101" + "1A0708001001" + "1A0102");
    HashKeyRange range = HashKeyRange.of("0", "10");
    assertEquals(Decoded.aggregated(List.of()), KclCodec.forShard("0", "10").decode(record));
    assertEquals(2, Deaggregator.builder().hashRange(range).build().deaggregate(record).size());

    List<String> drops = new ArrayList<>();
    Deaggregator.Listener listener = new Deaggregator.Listener() {
      @Override
      public void dropped(UserRecord dropped, DropReason reason) {
        drops.add(dropped.explicitHashKey() + ":" + reason);
      }
    };
    List<UserRecord> kept = Deaggregator.builder().hashRange(range)
        .hashRangePolicy(HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS).listener(listener).build().deaggregate(record);
    assertEquals(1, kept.size());
    assertEquals("5", kept.get(0).explicitHashKey());
    assertEquals(List.of("100:OUT_OF_RANGE"), drops);

    drops.clear();
    kept = Deaggregator.builder().hashRange(range).hashRangePolicy(HashRangePolicy.DROP_WHOLE_AGGREGATE)
        .listener(listener).build().deaggregate(record);
    assertEquals(0, kept.size());
    assertEquals(List.of("5:AGGREGATE_DROPPED", "100:OUT_OF_RANGE"), drops);
  }

  /** Regression (fixed in codec-core): an unknown length-delimited field was skipped from its length varint. */
  @ParameterizedTest
  @ValueSource(strings = {"2A00", KEY_A + "1A070800" + "1A00" + "2A0100", KEY_A + "2A030A0162" + "1A0408001A00"})
  void unknownLengthDelimitedFieldIsSkippedWhole(String message) {
    byte[] record = record(message);
    assertEquals(PROTOBUF.decode(record), KplCodec.strict().decode(record));
    assertEquals(Classification.AGGREGATED, STRICT.classify(record));
  }

  /** Regression (fixed in codec-core): the skip landed on the payload's last byte and accepted what protobuf-java rejects. */
  @Test
  void misskippedUnknownFieldDoesNotHideAnInvalidTag() {
    byte[] record = record("2A02FF0A0161"); // after the unknown field, tag 0x01 has field number 0
    assertEquals(Classification.CORRUPT, PROTOBUF.decode(record).classification());
    kplCodecRejects(record, Reason.INVALID_TAG, 4 + 4);
  }

  /** Regression (fixed in codec-core): an explicit hash key index of 2^64-1 was taken for an absent one. */
  @Test
  void explicitHashKeyIndexOfAllOnesIsOutOfRange() {
    byte[] record = record(KEY_A + "120135" + "1A0F" + "0800" + "10FFFFFFFFFFFFFFFFFF01" + "1A00");
    assertEquals(Classification.CORRUPT, PROTOBUF.decode(record).classification());
    kplCodecRejects(record, Reason.EXPLICIT_HASH_KEY_INDEX_OUT_OF_RANGE, 4 + 6);
  }

  @Nested
  class Agreements {
    /**
     * KINESIS-FACTS reports protobuf-java 4.x reading {@code 80 80 80 80 80 80 80 80 80 00} as 2^63 in its array
     * parser. Not so for 4.36.2's generated classes: array and stream parsers both read 0, as kpl-codec does, with
     * room after the varint or without. So it is not a difference.
     */
    @ParameterizedTest
    @ValueSource(strings = {KEY_A + "1A0D" + "0880808080808080808000" + "1A00",
        KEY_A + "1A0D" + "1A00" + "0880808080808080808000"})
    void overlongTenByteZeroIsZero(String message) throws Exception {
      byte[] record = record(message);
      Decoded expected = Decoded.aggregated(List.of(A_EMPTY));
      assertEquals(expected, PROTOBUF.decode(record));
      assertEquals(expected, KplCodec.strict().decode(record));
      assertEquals(expected, KCL.decode(record));
      byte[] bytes = Hex.parse(message);
      AggregatedRecord viaStream = AggregatedRecord.parseFrom(new java.io.ByteArrayInputStream(bytes));
      assertEquals(0, viaStream.getRecords(0).getPartitionKeyIndex());
      for (int b = 0; b <= 1; b++) {
        byte[] varint = Wire.tenByteVarint(0, b);
        assertEquals(b == 0 ? 0 : Long.MIN_VALUE, CodedInputStream.newInstance(varint).readRawVarint64());
      }
    }

    /**
     * KINESIS-FACTS reports that protobuf-java's {@code parseFrom(CodedInputStream)} skips the end-of-message check
     * {@code parseFrom(byte[])} makes. Not so in 4.36.2: a top-level end-group fails every entry point (and 200,000
     * generated inputs found no input where the byte-array, CodedInputStream and InputStream parsers disagree on
     * acceptance). The reference uses {@code parseFrom(byte[])}, as KCL does; kpl-codec rejects it too.
     */
    @Test
    void topLevelEndGroupIsRejectedByEveryEntryPoint() {
      byte[] message = Hex.parse(KEY_A + "0C");
      assertThrows(InvalidProtocolBufferException.class, () -> AggregatedRecord.parseFrom(message));
      assertThrows(InvalidProtocolBufferException.class,
          () -> AggregatedRecord.parseFrom(CodedInputStream.newInstance(message)));
      assertThrows(InvalidProtocolBufferException.class,
          () -> AggregatedRecord.parser().parsePartialFrom(CodedInputStream.newInstance(message)));
      assertThrows(InvalidProtocolBufferException.class,
          () -> AggregatedRecord.parseFrom(new java.io.ByteArrayInputStream(message)));
      byte[] record = ProtobufJavaCodec.frame(message);
      assertEquals(Classification.CORRUPT, PROTOBUF.decode(record).classification());
      assertEquals(Decoded.notAggregated(record), KCL.decode(record));
      kplCodecRejects(record, Reason.UNMATCHED_END_GROUP, 4 + 3);
    }

    /** Generated inputs on which protobuf-java's entry points are compared (see the README). */
    static final int ENTRY_POINT_CASES = 20_000;

    /**
     * The reference's choice of entry point does not matter: the byte-array, CodedInputStream and InputStream
     * parsers accept and reject the same generated inputs, with the same result.
     */
    @Test
    void protobufJavaEntryPointsAgree() {
      for (int i = 0; i < ENTRY_POINT_CASES; i++) {
        Seeds.Case c = Seeds.of("entry-points", i);
        byte[] message = new NonCanonicalEncoder(c.random, 3, 60).encode(DecodingConformanceTest.smallRecords(c.random));
        if (c.random.nextBoolean()) {
          message = new Mutator(c.random).mutate(message);
        }
        byte[] m = message;
        String viaArray = parse(() -> AggregatedRecord.parseFrom(m));
        assertEquals(viaArray, parse(() -> AggregatedRecord.parseFrom(CodedInputStream.newInstance(m))),
            () -> c + ": " + Hex.of(m));
        assertEquals(viaArray, parse(() -> AggregatedRecord.parseFrom(new java.io.ByteArrayInputStream(m))),
            () -> c + ": " + Hex.of(m));
      }
    }

    private String parse(java.util.concurrent.Callable<AggregatedRecord> parser) {
      try {
        return parser.call().toString();
      } catch (Exception e) {
        return "rejected";
      }
    }

    /** Groups nest to protobuf-java's limit (100 levels counting the enclosing messages) and no further. */
    @ParameterizedTest(name = "enclosing messages {0}")
    @ValueSource(ints = {0, 1, 2})
    void groupNestingLimitIsProtobufJavas(int enclosing) {
      int allowed = 100 - enclosing;
      for (int depth = allowed - 1; depth <= allowed + 1; depth++) {
        byte[] record = record(nested(enclosing, depth));
        boolean accepted = depth <= allowed;
        assertEquals(accepted ? Classification.AGGREGATED : Classification.CORRUPT,
            PROTOBUF.decode(record).classification(), "depth " + depth);
        if (accepted) {
          assertEquals(PROTOBUF.decode(record), KplCodec.strict().decode(record), "depth " + depth);
        } else {
          CorruptAggregateException e =
              assertThrows(CorruptAggregateException.class, () -> STRICT.deaggregate(record));
          assertEquals(Reason.NESTING_TOO_DEEP, e.reason(), "depth " + depth);
        }
      }
    }

    /** {@code depth} nested groups of field 5 at the top level, in a Record, or in a Tag. */
    private String nested(int enclosing, int depth) {
      String groups = "2B".repeat(depth) + "2C".repeat(depth);
      int n = depth * 2;
      if (enclosing == 0) {
        return KEY_A + groups + "1A0408001A00";
      }
      if (enclosing == 1) {
        return KEY_A + "1A" + varint(n + 4) + groups + "08001A00";
      }
      String tag = "0A016B" + groups;
      int tagLength = 3 + n;
      return KEY_A + "1A" + varint(4 + 1 + Wire.varintSize(tagLength) + tagLength) + "08001A00" + "22"
          + varint(tagLength) + tag;
    }

    private String varint(int value) {
      return Hex.of(Wire.varint(value));
    }

    /** Invalid UTF-8 in a key reads as U+FFFD everywhere. */
    @Test
    void invalidUtf8BecomesReplacementCharacter() {
      byte[] record = record("0A02C328" + "1A0408001A00");
      Decoded expected = Decoded.aggregated(List.of(new CompatRecord("\uFFFD(", null, new byte[0])));
      assertEquals(expected, PROTOBUF.decode(record));
      assertEquals(expected, KplCodec.strict().decode(record));
      assertEquals(expected, KCL.decode(record));
    }

    /** A message with keys but no records is an aggregate of nothing, everywhere. */
    @Test
    void aggregateWithoutRecords() {
      byte[] record = record(KEY_A);
      assertEquals(Decoded.aggregated(List.of()), PROTOBUF.decode(record));
      assertEquals(Decoded.aggregated(List.of()), KplCodec.strict().decode(record));
      assertEquals(Decoded.aggregated(List.of()), KCL.decode(record));
    }
  }
}
