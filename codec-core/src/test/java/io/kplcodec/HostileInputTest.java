package io.kplcodec;

import static io.kplcodec.WireVectorsTest.assertDecodes;
import static io.kplcodec.WireVectorsTest.assertPassesThrough;
import static io.kplcodec.WireVectorsTest.frame;
import static io.kplcodec.WireVectorsTest.hex;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.CorruptAggregateException.Reason;
import io.kplcodec.Deaggregator.HashRangePolicy;
import io.kplcodec.WireVectorsTest.Expected;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Malformed aggregates (right magic, right MD5, bad protobuf) and how records are classified. Every failure must be
 * a {@link CorruptAggregateException} with the exact reason and the exact offset of the innermost offending field's
 * tag, counted from the magic (so the protobuf's first byte is offset 4); for a missing required field or a bad
 * index, the offset of the Record field's tag. Nothing is emitted before the whole aggregate is validated.
 */
class HostileInputTest {
  record Case(String name, String protobufHex, Reason reason, long offset) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final String B10_MAX = "ff ff ff ff ff ff ff ff ff 01"; // 2^64-1, ten bytes
  private static final String B10_2_63 = "80 80 80 80 80 80 80 80 80 01"; // 2^63, ten bytes

  static List<Case> malformed() {
    return List.of(
        // Lengths: checked against what remains of the enclosing message, in unsigned 64-bit arithmetic.
        new Case("0x7FFFFFFF key length", "0a ff ff ff ff 07 61", Reason.LENGTH_EXCEEDS_INPUT, 4),
        new Case("0x7FFFFFFF record length", "1a ff ff ff ff 07 08 00", Reason.LENGTH_EXCEEDS_INPUT, 4),
        new Case("0x7FFFFFFF data length", "0a 01 61  1a 08 08 00 1a ff ff ff ff 07",
            Reason.LENGTH_EXCEEDS_INPUT, 11),
        new Case("length 2^31, negative as an int", "0a 80 80 80 80 08 61", Reason.LENGTH_EXCEEDS_INPUT, 4),
        new Case("length 2^32+1, which protobuf-java reads modulo 2^32 as 1", "0a 81 80 80 80 10 61",
            Reason.LENGTH_EXCEEDS_INPUT, 4),
        new Case("length 2^63 as a 10-byte varint", "0a " + B10_2_63 + " 61", Reason.LENGTH_EXCEEDS_INPUT, 4),
        new Case("length 2^64-1 as a 10-byte varint", "0a " + B10_MAX + " 61", Reason.LENGTH_EXCEEDS_INPUT, 4),
        new Case("record length 2^64-1", "1a " + B10_MAX + " 08 00 1a 00", Reason.LENGTH_EXCEEDS_INPUT, 4),
        new Case("data length 2^64-1", "0a 01 61  1a 0e 08 00 1a " + B10_MAX + " 78",
            Reason.LENGTH_EXCEEDS_INPUT, 11),
        new Case("explicit hash key one byte past the end", "12 02 31", Reason.LENGTH_EXCEEDS_INPUT, 4),
        new Case("data one byte past the end of its record, not of the message",
            "0a 01 61  1a 05 08 00 1a 02 78  1a 05 08 00 1a 01 79", Reason.LENGTH_EXCEEDS_INPUT, 11),
        new Case("unknown bytes field past the end of its record",
            "0a 01 61  1a 07 08 00 1a 01 78 3a 05  1a 05 08 00 1a 01 79", Reason.LENGTH_EXCEEDS_INPUT, 14),
        new Case("tag past the end of its record",
            "0a 01 61  1a 07 08 00 1a 01 78 22 05  1a 05 08 00 1a 01 79", Reason.LENGTH_EXCEEDS_INPUT, 14),

        // Varints: at most ten bytes, at most 64 bits.
        new Case("11-byte varint length", "0a ff ff ff ff ff ff ff ff ff ff 01", Reason.MALFORMED_VARINT, 4),
        new Case("11-byte varint of zeros", "0a 80 80 80 80 80 80 80 80 80 80 00", Reason.MALFORMED_VARINT, 4),
        new Case("10-byte varint whose last byte is 2", "0a 80 80 80 80 80 80 80 80 80 02",
            Reason.MALFORMED_VARINT, 4),
        new Case("10-byte varint whose last byte is 0x7f", "28 ff ff ff ff ff ff ff ff ff 7f",
            Reason.MALFORMED_VARINT, 4),
        new Case("11-byte tag", "ff ff ff ff ff ff ff ff ff ff 01", Reason.MALFORMED_VARINT, 4),
        new Case("11-byte partition key index", "0a 01 61  1a 0f 08 ff ff ff ff ff ff ff ff ff ff 01 1a 01 78",
            Reason.MALFORMED_VARINT, 9),
        new Case("11-byte explicit hash key index",
            "0a 01 61  12 01 31  1a 11 08 00 10 80 80 80 80 80 80 80 80 80 80 00 1a 01 78",
            Reason.MALFORMED_VARINT, 14),

        // Truncation inside a field.
        new Case("truncated tag", "0a 01 61  80", Reason.TRUNCATED, 7),
        new Case("truncated unknown varint", "0a 01 61  28 80", Reason.TRUNCATED, 7),
        new Case("truncated length", "0a 01 61  0a 80", Reason.TRUNCATED, 7),
        new Case("varint cut by its record's end", "0a 01 61  1a 02 08 80  08 00", Reason.TRUNCATED, 9),
        new Case("truncated fixed64", "0a 01 61  31 01 02 03 04 05 06 07", Reason.TRUNCATED, 7),
        new Case("truncated fixed32", "0a 01 61  55 01 02 03", Reason.TRUNCATED, 7),
        new Case("fixed32 cut by its record's end",
            "0a 01 61  1a 08 08 00 1a 01 78 55 01 02  1a 05 08 00 1a 01 79", Reason.TRUNCATED, 14),

        // Tags.
        new Case("field number 0 with wire type 0", "0a 01 61  00", Reason.INVALID_TAG, 7),
        new Case("field number 0 with wire type 2", "02 00", Reason.INVALID_TAG, 4),
        new Case("field number 0 in a record", "0a 01 61  1a 06 00 08 00 1a 01 78", Reason.INVALID_TAG, 9),
        new Case("field number 0 in a tag", "0a 01 61  1a 08 08 00 1a 01 78 22 01 00", Reason.INVALID_TAG, 16),
        new Case("tag of 2^32", "80 80 80 80 10 00", Reason.INVALID_TAG, 4),
        new Case("wire type 6", "0e 00", Reason.INVALID_WIRE_TYPE, 4),
        new Case("wire type 7", "0f 00", Reason.INVALID_WIRE_TYPE, 4),
        new Case("wire type 7 after a valid field", "0a 01 61  1f", Reason.INVALID_WIRE_TYPE, 7),
        new Case("wire type 6 with a two-byte tag", "f6 01 00", Reason.INVALID_WIRE_TYPE, 4),
        new Case("wire type 6 in a record", "1a 01 0e", Reason.INVALID_WIRE_TYPE, 6),
        new Case("wire type 7 in a group", "0b 0f 0c", Reason.INVALID_WIRE_TYPE, 5),
        new Case("wire type 6 in a tag", "0a 01 61  1a 08 08 00 1a 01 78 22 01 0e", Reason.INVALID_WIRE_TYPE, 16),

        // Groups.
        new Case("end-group without a start", "0c", Reason.UNMATCHED_END_GROUP, 4),
        new Case("end-group without a start after a valid field", "0a 01 61  0c", Reason.UNMATCHED_END_GROUP, 7),
        new Case("end of another group", "0b 14", Reason.UNMATCHED_END_GROUP, 5),
        new Case("end of the outer group inside the inner", "0b 13 0c", Reason.UNMATCHED_END_GROUP, 6),
        new Case("end-group without a start in a record", "1a 01 0c", Reason.UNMATCHED_END_GROUP, 6),
        new Case("end-group without a start in a tag", "0a 01 61  1a 08 08 00 1a 01 78 22 01 0c",
            Reason.UNMATCHED_END_GROUP, 16),
        new Case("group never closed", "0b", Reason.TRUNCATED, 4),
        new Case("group with content never closed", "0a 01 61  0b 08 01", Reason.TRUNCATED, 7),
        new Case("outer group never closed", "0b 13 14", Reason.TRUNCATED, 4),
        new Case("group closed only after its record ends", "0a 01 61  1a 06 08 00 1a 01 78 0b  0c",
            Reason.TRUNCATED, 14),

        // Required fields: reported at the Record's tag.
        new Case("record without partition_key_index", "0a 01 61  1a 03 1a 01 78",
            Reason.MISSING_PARTITION_KEY_INDEX, 7),
        new Case("empty record", "0a 01 61  1a 00", Reason.MISSING_PARTITION_KEY_INDEX, 7),
        new Case("partition_key_index only as fixed32 (an unknown field)", "0a 01 61  1a 08 0d 00 00 00 00 1a 01 78",
            Reason.MISSING_PARTITION_KEY_INDEX, 7),
        new Case("record without data", "0a 01 61  1a 02 08 00", Reason.MISSING_DATA, 7),
        new Case("data only as a varint (an unknown field)", "0a 01 61  1a 04 08 00 18 05", Reason.MISSING_DATA, 7),
        new Case("second record without data", "0a 01 61  1a 05 08 00 1a 01 78  1a 02 08 00",
            Reason.MISSING_DATA, 14),
        new Case("empty tag", "0a 01 61  1a 07 08 00 1a 01 78 22 00", Reason.MISSING_TAG_KEY, 14),
        new Case("tag with a value and no key", "0a 01 61  1a 09 08 00 1a 01 78 22 02 12 00",
            Reason.MISSING_TAG_KEY, 14),
        new Case("tag whose key is a varint (an unknown field)", "0a 01 61  1a 09 08 00 1a 01 78 22 02 08 00",
            Reason.MISSING_TAG_KEY, 14),

        // Indexes: checked after the scan, reported at the Record's tag.
        new Case("partition key index 1 of 1", "0a 01 61  1a 05 08 01 1a 01 78",
            Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE, 7),
        new Case("no partition key table", "1a 05 08 00 1a 01 78", Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE, 4),
        new Case("table after the records, still too short", "1a 05 08 01 1a 01 78  0a 01 61",
            Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE, 4),
        new Case("partition key index 2^31", "0a 01 61  1a 09 08 80 80 80 80 08 1a 01 78",
            Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE, 7),
        new Case("partition key index 2^32, which KCL reads as 0", "0a 01 61  1a 09 08 80 80 80 80 10 1a 01 78",
            Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE, 7),
        new Case("partition key index 2^63", "0a 01 61  1a 0e 08 " + B10_2_63 + " 1a 01 78",
            Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE, 7),
        new Case("partition key index 2^64-1", "0a 01 61  1a 0e 08 " + B10_MAX + " 1a 01 78",
            Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE, 7),
        new Case("partition key index out of range in the second record",
            "0a 01 61  1a 05 08 00 1a 01 78  1a 05 08 01 1a 01 79", Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE, 14),
        new Case("explicit hash key index without a table", "0a 01 61  1a 07 08 00 10 00 1a 01 78",
            Reason.EXPLICIT_HASH_KEY_INDEX_OUT_OF_RANGE, 7),
        new Case("explicit hash key index 1 of 1", "0a 01 61  12 01 31  1a 07 08 00 10 01 1a 01 78",
            Reason.EXPLICIT_HASH_KEY_INDEX_OUT_OF_RANGE, 10),
        new Case("explicit hash key index 2^32", "0a 01 61  12 01 31  1a 0b 08 00 10 80 80 80 80 10 1a 01 78",
            Reason.EXPLICIT_HASH_KEY_INDEX_OUT_OF_RANGE, 10),
        new Case("explicit hash key index 2^64-1", "0a 01 61  12 01 31  1a 10 08 00 10 " + B10_MAX + " 1a 01 78",
            Reason.EXPLICIT_HASH_KEY_INDEX_OUT_OF_RANGE, 10),
        new Case("a malformed field after a bad index is what is reported (indexes are checked after the scan)",
            "0a 01 61  1a 05 08 05 1a 01 78  0e", Reason.INVALID_WIRE_TYPE, 14));
  }

  @ParameterizedTest
  @EnumSource(BufferKind.class)
  void malformedAggregatesFailWithTheExactReasonAndOffset(BufferKind kind) {
    // assertAll: every case is tried and every failure reported, not just the first.
    assertAll(malformed().stream().map(c -> () ->
        assertCorrupt(Deaggregator.create(), kind, hex(c.protobufHex()), c.reason(), c.offset(), c.name())));
  }

  @ParameterizedTest
  @EnumSource(BufferKind.class)
  void groupNestingIsBoundedAt100Levels(BufferKind kind) {
    String record = " 0a 01 61 1a 05 08 00 1a 01 78";
    String ninetyNine = "0b".repeat(99) + "0c".repeat(99);
    assertDecodes(Deaggregator.create(), kind, frame(hex(ninetyNine + record)), List.of(Expected.of("a", null, "78")),
        "groups nested 99 deep");
    // The 101st group's tag is the offending field.
    String hundredAndOne = "0b".repeat(101) + "0c".repeat(101);
    assertCorrupt(Deaggregator.create(), kind, hex(hundredAndOne + record), Reason.NESTING_TOO_DEEP, 4 + 100,
        "groups nested 101 deep");
    // Deep enough to overflow the stack if the bound were missing.
    assertCorrupt(Deaggregator.create(), kind, hex("0b".repeat(200_000)), Reason.NESTING_TOO_DEEP, 4 + 100,
        "groups nested 200,000 deep");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Truncation at every byte

  /**
   * One top-level field of {@link #AGGREGATE}: its bytes, how many of them are tag and length, and the user record
   * it holds (null for a table entry).
   */
  private record Field(String hex, int headerLength, Expected record) {
    int length() {
      return WireVectorsTest.hex(hex).length;
    }
  }

  private static final String DATA_200 = HexFormat.of().formatHex(sequence(200));

  /** A canonical multi-record aggregate, field by field, with two-byte length varints in a key and a record. */
  private static final List<Field> AGGREGATE = List.of(
      new Field("0a 01 61", 2, null),
      new Field("0a 82 01" + "6b".repeat(130), 3, null),
      new Field("12 05 31 32 33 34 35", 2, null),
      new Field("1a 05 08 00 1a 01 78", 2, Expected.of("a", null, "78")),
      new Field("1a cf 01 08 01 10 00 1a c8 01" + DATA_200, 3, Expected.of("k".repeat(130), "12345", DATA_200)),
      new Field("1a 06 08 00 10 00 1a 00", 2, Expected.of("a", "12345", "")));

  private static byte[] aggregateProtobuf() {
    StringBuilder hex = new StringBuilder();
    AGGREGATE.forEach(f -> hex.append(f.hex()));
    return hex(hex.toString());
  }

  @ParameterizedTest
  @EnumSource(BufferKind.class)
  void protobufTruncatedAtEveryByte(BufferKind kind) {
    byte[] protobuf = aggregateProtobuf();
    // The hand-written aggregate is what the encoder writes for the same records.
    AggregateEncoder encoder = new AggregateEncoder();
    for (Field f : AGGREGATE) {
      if (f.record() != null) {
        encoder.add(f.record().partitionKey(), f.record().explicitHashKey(), f.record().data());
      }
    }
    WireVectorsTest.assertHexEquals(frame(protobuf), encoder.toByteArray());

    List<Runnable> checks = new ArrayList<>();
    for (int cut = 0; cut <= protobuf.length; cut++) {
      byte[] prefix = Arrays.copyOf(protobuf, cut);
      String what = "protobuf cut to " + cut + " of " + protobuf.length + " bytes";
      if (cut == 0) {
        // magic + MD5 of nothing: 20 bytes, too short to be an aggregate.
        assertPassesThrough(Deaggregator.create(), kind, frame(prefix), Classification.NOT_AGGREGATED, what);
        continue;
      }
      int start = 0;
      List<Expected> complete = new ArrayList<>();
      for (Field f : AGGREGATE) {
        if (cut == start) {
          break; // ends on a field boundary: a valid, shorter message
        }
        int end = start + f.length();
        if (cut < end) {
          // Inside the field: its length varint is cut, or its declared length exceeds what remains.
          Reason reason = cut < start + f.headerLength() ? Reason.TRUNCATED : Reason.LENGTH_EXCEEDS_INPUT;
          complete = null;
          assertCorrupt(Deaggregator.create(), kind, prefix, reason, 4 + start, what);
          break;
        }
        if (f.record() != null) {
          complete.add(f.record());
        }
        start = end;
      }
      if (complete != null) {
        assertDecodes(Deaggregator.create(), kind, frame(prefix), complete, what);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(BufferKind.class)
  void kinesisRecordCutShortIsNotAnAggregate(BufferKind kind) {
    // Without recomputing the MD5, a cut record's last 16 bytes are not the digest of what precedes them.
    byte[] whole = frame(aggregateProtobuf());
    for (int cut = 0; cut < whole.length; cut++) {
      assertPassesThrough(Deaggregator.create(), kind, Arrays.copyOf(whole, cut), Classification.NOT_AGGREGATED,
          "record cut to " + cut + " bytes");
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Explicit hash keys that are not hash keys

  @ParameterizedTest
  @EnumSource(BufferKind.class)
  void invalidExplicitHashKeyMattersOnlyWhenAHashRangeFilterNeedsIt(BufferKind kind) {
    for (String bad : List.of("abc", "01", "", "-1", "1 ", "340282366920938463463374607431768211456",
        "1000000000000000000000000000000000000000")) {
      byte[] ehk = bad.getBytes(UTF_8);
      String pb = String.format("0a 01 61  12 %02x %s  1a 05 08 00 1a 01 78  1a 07 08 00 10 00 1a 01 79", ehk.length,
          HexFormat.of().formatHex(ehk));
      long secondRecord = 4 + 3 + 2 + ehk.length + 7;
      List<Expected> expected = List.of(Expected.of("a", null, "78"), Expected.of("a", bad, "79"));
      String what = "explicit hash key \"" + bad + "\"";

      assertDecodes(Deaggregator.create(), kind, frame(hex(pb)), expected, what + " without a filter");
      assertDecodes(Deaggregator.builder().hashRange(HashKeyRange.all()).hashRangePolicy(HashRangePolicy.KEEP_ALL)
          .build(), kind, frame(hex(pb)), expected, what + " with KEEP_ALL");
      for (HashRangePolicy policy :
          List.of(HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS, HashRangePolicy.DROP_WHOLE_AGGREGATE)) {
        Deaggregator filtering = Deaggregator.builder().hashRange(HashKeyRange.all()).hashRangePolicy(policy).build();
        assertCorrupt(filtering, kind, hex(pb), Reason.INVALID_EXPLICIT_HASH_KEY, secondRecord, what + ", " + policy);
      }
    }
    // An invalid entry that no record uses is never looked at.
    Deaggregator filtering = Deaggregator.builder().hashRange(HashKeyRange.all())
        .hashRangePolicy(HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS).build();
    assertDecodes(filtering, kind, frame(hex("0a 01 61  12 03 61 62 63  12 01 35  1a 07 08 00 10 01 1a 01 78")),
        List.of(Expected.of("a", "5", "78")), "unused invalid explicit hash key");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Random input

  private static final byte[] INTERESTING = hex(
      "00 01 02 05 07 08 0a 0b 0c 0e 0f 10 12 13 14 1a 1d 22 28 31 3a 43 44 55 61 7f 80 81 ff");

  @ParameterizedTest
  @EnumSource(BufferKind.class)
  void randomInputOnlyEverThrowsCorruptAggregateException(BufferKind kind) {
    Random random = new Random(0x6b706cL);
    Deaggregator strict = Deaggregator.create();
    Deaggregator filtering = Deaggregator.builder()
        .hashRange(HashKeyRange.of("0", "170141183460469231731687303715884105727"))
        .hashRangePolicy(HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS)
        .build();
    byte[] valid = aggregateProtobuf();
    byte[] small = hex("0a 01 61 0a 01 62 12 01 37 1a 07 08 00 10 00 1a 01 78 1a 05 08 01 1a 01 79");
    int decoded = 0;
    int corrupt = 0;
    for (int i = 0; i < 4000; i++) {
      byte[] protobuf;
      switch (i % 4) {
        case 0:
          protobuf = new byte[1 + random.nextInt(64)];
          random.nextBytes(protobuf);
          break;
        case 1:
          protobuf = new byte[1 + random.nextInt(64)];
          for (int j = 0; j < protobuf.length; j++) {
            protobuf[j] = INTERESTING[random.nextInt(INTERESTING.length)];
          }
          break;
        case 2:
          protobuf = mutate(small, random);
          break;
        default:
          protobuf = mutate(valid, random);
      }
      Deaggregator deaggregator = (i & 1) == 0 ? strict : filtering;
      BufferKind.Input input = kind.input(frame(protobuf));
      String what = "input " + HexFormat.of().formatHex(protobuf);
      List<UserRecord> records;
      try {
        records = deaggregator.deaggregate(input.buffer());
      } catch (CorruptAggregateException e) {
        corrupt++;
        assertTrue(e.offset() >= 4 && e.offset() < 4 + protobuf.length, what + ": offset " + e.offset());
        assertSame(Classification.CORRUPT, deaggregator.classify(input.buffer()), what);
        input.assertPositionAndLimitUnchanged();
        continue;
      } catch (RuntimeException | Error e) {
        throw new AssertionError(what + ": " + e, e);
      }
      decoded++;
      assertSame(Classification.AGGREGATED, deaggregator.classify(input.buffer()), what);
      for (UserRecord r : records) {
        assertTrue(r.isAggregated(), what);
        assertTrue(r.data().remaining() <= protobuf.length, what);
        assertTrue(r.data().isReadOnly(), what);
      }
      input.assertPositionAndLimitUnchanged();
    }
    assertTrue(decoded > 100, "too few random inputs decoded to exercise the success path: " + decoded);
    assertTrue(corrupt > 1000, "too few random inputs were corrupt: " + corrupt);
  }

  private static byte[] mutate(byte[] original, Random random) {
    byte[] bytes = original.clone();
    int edits = 1 + random.nextInt(4);
    for (int e = 0; e < edits && bytes.length > 0; e++) {
      int at = random.nextInt(bytes.length);
      switch (random.nextInt(5)) {
        case 0:
          bytes[at] = (byte) random.nextInt(256);
          break;
        case 1:
          bytes[at] = INTERESTING[random.nextInt(INTERESTING.length)];
          break;
        case 2: {
          byte[] longer = new byte[bytes.length + 1];
          System.arraycopy(bytes, 0, longer, 0, at);
          longer[at] = INTERESTING[random.nextInt(INTERESTING.length)];
          System.arraycopy(bytes, at, longer, at + 1, bytes.length - at);
          bytes = longer;
          break;
        }
        case 3: {
          byte[] shorter = new byte[bytes.length - 1];
          System.arraycopy(bytes, 0, shorter, 0, at);
          System.arraycopy(bytes, at + 1, shorter, at, bytes.length - at - 1);
          bytes = shorter;
          break;
        }
        default:
          bytes = Arrays.copyOf(bytes, at);
      }
    }
    return bytes.length == 0 ? new byte[] {0x0a} : bytes;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Nothing is allocated from a declared length

  @ParameterizedTest
  @EnumSource(BufferKind.class)
  void declaredLengthsAreNeverAllocated(BufferKind kind) {
    List<String> hostile = List.of(
        "0a ff ff ff ff 07 61", // a 2 GiB partition key
        "0a 01 61  1a 08 08 00 1a ff ff ff ff 07", // 2 GiB of data
        "1a fe ff ff ff 07 08 00 1a 00", // a 2 GiB record
        "12 f0 ff ff ff 07 31 32"); // a 2 GiB explicit hash key
    Deaggregator deaggregator = Deaggregator.create();
    for (String hex : hostile) {
      BufferKind.Input input = kind.input(frame(hex(hex)));
      for (int i = 0; i < 20; i++) { // warm-up
        assertThrows(CorruptAggregateException.class, () -> deaggregator.deaggregate(input.buffer()));
      }
      long before = ThreadAllocation.allocatedBytes();
      long started = System.nanoTime();
      for (int i = 0; i < 200; i++) {
        CorruptAggregateException e =
            assertThrows(CorruptAggregateException.class, () -> deaggregator.deaggregate(input.buffer()));
        assertSame(Reason.LENGTH_EXCEEDS_INPUT, e.reason(), hex);
      }
      long allocated = ThreadAllocation.allocatedBytes() - before;
      long millis = (System.nanoTime() - started) / 1_000_000;
      assertTrue(millis < 2_000, hex + ": 200 rejections took " + millis + " ms");
      if (before >= 0) {
        // An exception with its stack trace costs a few KiB; one 2 GiB array would cost 2 GiB.
        assertTrue(allocated < 200L * 64 * 1024, hex + ": 200 rejections allocated " + allocated + " bytes");
      }
      input.assertPositionAndLimitUnchanged();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Classification

  @ParameterizedTest
  @EnumSource(BufferKind.class)
  void shorterThan21BytesIsNotAnAggregate(BufferKind kind) {
    byte[] magicAndDigestOfNothing = frame(new byte[0]);
    assertEquals(20, magicAndDigestOfNothing.length);
    for (Deaggregator deaggregator : List.of(Deaggregator.create(),
        Deaggregator.builder().verifyMd5(false).build())) {
      assertPassesThrough(deaggregator, kind, magicAndDigestOfNothing, Classification.NOT_AGGREGATED,
          "magic + MD5 of nothing");
      assertPassesThrough(deaggregator, kind, new byte[0], Classification.NOT_AGGREGATED, "empty record");
      assertPassesThrough(deaggregator, kind, hex("f3 89 9a c2"), Classification.NOT_AGGREGATED, "magic only");
      assertPassesThrough(deaggregator, kind, hex("f3 89 9a c2 0a 01 61 1a 05 08 00 1a 01 78"),
          Classification.NOT_AGGREGATED, "magic + protobuf, no MD5");
      assertPassesThrough(deaggregator, kind, new AggregateEncoder().toByteArray(), Classification.NOT_AGGREGATED,
          "an empty encoder's output");
    }
    // 21 bytes is long enough to be parsed: one protobuf byte, here a tag without its value.
    assertCorrupt(Deaggregator.create(), kind, hex("28"), Reason.TRUNCATED, 4, "21-byte aggregate");
    // The smallest valid aggregate: one unknown varint field and no user records.
    assertDecodes(Deaggregator.create(), kind, frame(hex("28 00")), List.of(), "22-byte aggregate");
  }

  @ParameterizedTest
  @EnumSource(BufferKind.class)
  void recordsWithoutTheMagicAreNotAggregates(BufferKind kind) {
    byte[] text = "This record is plain text and certainly not an aggregate.".getBytes(UTF_8);
    assertPassesThrough(Deaggregator.create(), kind, text, Classification.NOT_AGGREGATED, "plain text");
    byte[] almostMagic = frame(hex("0a 01 61 1a 05 08 00 1a 01 78"));
    almostMagic[3] ^= 1;
    for (Deaggregator deaggregator : List.of(Deaggregator.create(),
        Deaggregator.builder().verifyMd5(false).build())) {
      assertPassesThrough(deaggregator, kind, almostMagic, Classification.NOT_AGGREGATED, "one magic bit wrong");
    }
  }

  @ParameterizedTest
  @EnumSource(BufferKind.class)
  void md5MismatchIsNotAnAggregateUnlessVerificationIsOff(BufferKind kind) {
    byte[] protobuf = hex("0a 01 61 0a 01 62  1a 05 08 00 1a 01 78  1a 05 08 01 1a 01 79");
    List<Expected> expected = List.of(Expected.of("a", null, "78"), Expected.of("b", null, "79"));
    Deaggregator unverified = Deaggregator.builder().verifyMd5(false).build();
    for (int digestByte : new int[] {0, 7, 15}) {
      byte[] record = frame(protobuf);
      record[4 + protobuf.length + digestByte] ^= 0x40;
      assertPassesThrough(Deaggregator.create(), kind, record, Classification.NOT_AGGREGATED,
          "digest byte " + digestByte + " wrong");
      assertDecodes(unverified, kind, record, expected, "digest byte " + digestByte + " wrong, MD5 not verified");
    }
    // A digest that is right for the protobuf but placed over a changed protobuf.
    byte[] changed = frame(protobuf);
    changed[4 + 2] = 'c';
    assertPassesThrough(Deaggregator.create(), kind, changed, Classification.NOT_AGGREGATED, "protobuf changed");
    assertDecodes(unverified, kind, changed,
        List.of(Expected.of("c", null, "78"), Expected.of("b", null, "79")), "protobuf changed, MD5 not verified");
    // A corrupt aggregate with a wrong digest is not an aggregate at all, as KCL sees it.
    byte[] corrupt = frame(hex("0a 01 61  1a 05 08 07 1a 01 78"));
    corrupt[corrupt.length - 1] ^= 1;
    assertPassesThrough(Deaggregator.create(), kind, corrupt, Classification.NOT_AGGREGATED,
        "corrupt, digest wrong");
    assertCorruptRecord(unverified, kind, corrupt, Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE, 7,
        "corrupt, digest wrong, MD5 not verified");
  }

  @ParameterizedTest
  @EnumSource(BufferKind.class)
  void corruptAggregatesPassedThroughWhenAskedAndTheListenerHears(BufferKind kind) {
    // The first record is fine; the second's partition key index is out of range.
    byte[] record = frame(hex("0a 01 61  1a 05 08 00 1a 01 78  1a 05 08 01 1a 01 79"));
    List<CorruptAggregateException> heard = new ArrayList<>();
    Deaggregator lenient = Deaggregator.builder()
        .passCorruptAggregatesThrough(true)
        .listener(new Deaggregator.Listener() {
          @Override
          public void corruptPassedThrough(CorruptAggregateException cause) {
            heard.add(cause);
          }
        })
        .build();
    assertPassesThrough(lenient, kind, record, Classification.CORRUPT, "corrupt, passed through");
    assertTrue(!heard.isEmpty(), "the listener heard nothing");
    for (CorruptAggregateException cause : heard) {
      assertSame(Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE, cause.reason());
      assertEquals(14, cause.offset());
    }

    heard.clear();
    BufferKind.Input input = kind.input(record);
    int[] calls = {0};
    assertSame(Classification.CORRUPT, lenient.visit(input.buffer(), (pk, ehk, source, offset, length, seq) -> {
      calls[0]++;
      assertNull(pk);
      assertEquals(input.start(), offset);
      assertEquals(record.length, length);
    }));
    assertEquals(1, calls[0]);
    assertEquals(1, heard.size(), "one visit, one notice");
    assertSame(Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE, heard.get(0).reason());
    assertEquals(14, heard.get(0).offset());
    input.assertPositionAndLimitUnchanged();

    // Strict (the default): an exception, and the valid first record was not emitted.
    assertCorrupt(Deaggregator.create(), kind, hex("0a 01 61  1a 05 08 00 1a 01 78  1a 05 08 01 1a 01 79"),
        Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE, 14, "corrupt, strict");
  }

  // ---------------------------------------------------------------------------------------------------------------

  /** Frames {@code protobuf} (magic, MD5) and checks it fails the same way through every entry point. */
  static CorruptAggregateException assertCorrupt(Deaggregator deaggregator, BufferKind kind, byte[] protobuf,
      Reason reason, long offset, String what) {
    return assertCorruptRecord(deaggregator, kind, frame(protobuf), reason, offset, what);
  }

  static CorruptAggregateException assertCorruptRecord(Deaggregator deaggregator, BufferKind kind, byte[] record,
      Reason reason, long offset, String what) {
    BufferKind.Input input = kind.input(record);
    ByteBuffer buffer = input.buffer();
    String context = what + " in " + kind;

    CorruptAggregateException e = assertThrows(CorruptAggregateException.class,
        () -> deaggregator.deaggregate(buffer), () -> context + ": no exception");
    assertEquals(reason + " at " + offset, e.reason() + " at " + e.offset(), context);
    assertEquals("Corrupt aggregated record at offset " + offset + ": " + reason.description(), e.getMessage());
    input.assertPositionAndLimitUnchanged();

    int[] visited = {0};
    CorruptAggregateException fromVisit = assertThrows(CorruptAggregateException.class,
        () -> deaggregator.visit(buffer, (pk, ehk, source, o, length, seq) -> visited[0]++), context);
    assertEquals(0, visited[0], context + ": the visitor received user records of a corrupt aggregate");
    assertEquals(reason + " at " + offset, fromVisit.reason() + " at " + fromVisit.offset(), context);
    assertThrows(CorruptAggregateException.class, () -> deaggregator.iterator(buffer), context);
    assertThrows(CorruptAggregateException.class, () -> deaggregator.stream(buffer), context);
    assertSame(Classification.CORRUPT, deaggregator.classify(buffer), context);
    input.assertPositionAndLimitUnchanged();
    return e;
  }

  private static byte[] sequence(int length) {
    byte[] bytes = new byte[length];
    for (int i = 0; i < length; i++) {
      bytes[i] = (byte) i;
    }
    return bytes;
  }
}
