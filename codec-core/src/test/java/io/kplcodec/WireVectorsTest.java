package io.kplcodec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.math.BigInteger;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Byte-exact vectors: the protobuf bytes of each aggregate are written out by hand (what protobuf-java writes for
 * the same message), framed here with the magic and a digest from {@link MessageDigest}, and compared with what
 * {@link AggregateEncoder} writes; then decoded over every buffer kind. Also non-canonical but valid encodings that
 * a decoder must accept as protobuf-java does.
 */
class WireVectorsTest {
  static final byte[] MAGIC = {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2};

  /** One user record as added to the encoder, and as it must come back. */
  record Entry(String partitionKey, String explicitHashKey, byte[] data, String decodedPartitionKey,
      String decodedExplicitHashKey) {
    static Entry of(String partitionKey, String explicitHashKey, String data) {
      return new Entry(partitionKey, explicitHashKey, data.getBytes(UTF_8), partitionKey, explicitHashKey);
    }

    @Override
    public String toString() {
      return partitionKey + "/" + explicitHashKey + "/" + data.length + "B";
    }
  }

  /** What a decoded user record must hold. */
  record Expected(String partitionKey, String explicitHashKey, byte[] data) {
    static Expected of(String partitionKey, String explicitHashKey, String dataHex) {
      return new Expected(partitionKey, explicitHashKey, hex(dataHex));
    }

    static Expected of(Entry entry) {
      return new Expected(entry.decodedPartitionKey(), entry.decodedExplicitHashKey(), entry.data());
    }
  }

  record Vector(String name, List<Entry> entries, byte[] protobuf) {
    Vector(String name, String protobufHex, Entry... entries) {
      this(name, List.of(entries), hex(protobufHex));
    }

    byte[] record() {
      return frame(protobuf);
    }

    List<Expected> expected() {
      return entries.stream().map(Expected::of).collect(Collectors.toList());
    }

    @Override
    public String toString() {
      return name;
    }
  }

  static List<Vector> vectors() {
    List<Vector> vectors = new ArrayList<>();
    vectors.add(new Vector("one record", "0a 01 61  1a 05 08 00 1a 01 78", Entry.of("a", null, "x")));
    vectors.add(new Vector("explicit hash key",
        "0a 01 61  12 05 31 32 33 34 35  1a 07 08 00 10 00 1a 01 78",
        Entry.of("a", "12345", "x")));
    vectors.add(new Vector("two keys",
        "0a 01 61 0a 01 62  1a 05 08 00 1a 01 78  1a 05 08 01 1a 01 79",
        Entry.of("a", null, "x"), Entry.of("b", null, "y")));
    vectors.add(new Vector("duplicate partition keys share one table entry",
        "0a 01 61 0a 01 62  1a 05 08 00 1a 01 78  1a 05 08 01 1a 01 79  1a 05 08 00 1a 01 7a",
        Entry.of("a", null, "x"), Entry.of("b", null, "y"), Entry.of(new String("a"), null, "z")));
    vectors.add(new Vector("duplicate explicit hash keys, present and absent",
        "0a 01 61 0a 01 62  12 01 37 12 01 38"
            + "  1a 07 08 00 10 00 1a 01 78  1a 07 08 01 10 00 1a 01 79"
            + "  1a 05 08 00 1a 01 7a  1a 07 08 00 10 01 1a 01 77",
        Entry.of("a", "7", "x"), Entry.of("b", "7", "y"), Entry.of("a", null, "z"), Entry.of("a", "8", "w")));
    vectors.add(new Vector("empty data", "0a 01 61  1a 04 08 00 1a 00", Entry.of("a", null, "")));
    vectors.add(new Vector("two- and three-byte UTF-8 key",
        "0a 05 c3 a9 e2 82 ac  1a 05 08 00 1a 01 78", Entry.of("\u00e9\u20ac", null, "x")));
    vectors.add(new Vector("four-byte UTF-8 key (emoji)",
        "0a 04 f0 9f 98 80  12 04 f0 9f 98 80  1a 07 08 00 10 00 1a 01 78",
        Entry.of("\ud83d\ude00", "\ud83d\ude00", "x")));
    // protobuf-java writes a string with an unpaired surrogate through String.getBytes(UTF_8): '?' for it. Keys
    // that differ in Java but encode alike are still distinct table entries, as protobuf-java would write them.
    vectors.add(new Vector("unpaired surrogates written as '?'",
        "0a 03 61 3f 62  0a 01 3f  0a 01 3f  0a 02 78 3f  12 02 31 3f"
            + "  1a 07 08 00 10 00 1a 01 78  1a 05 08 01 1a 01 79  1a 05 08 02 1a 01 7a  1a 05 08 03 1a 01 77",
        new Entry("a\ud800b", "1\udfff", "x".getBytes(UTF_8), "a?b", "1?"),
        new Entry("\udc00", null, "y".getBytes(UTF_8), "?", null),
        new Entry("\ud800", null, "z".getBytes(UTF_8), "?", null),
        new Entry("x\ud83d", null, "w".getBytes(UTF_8), "x?", null)));
    // Issue 22: explicit hash keys in forms the KPL accepts are written canonically, de-duplicated after that.
    vectors.add(new Vector("non-canonical explicit hash keys written canonically, one entry per value",
        "0a 01 61  12 02 34 32  12 01 30  1a 07 08 00 10 00 1a 01 78  1a 07 08 00 10 00 1a 01 79"
            + "  1a 07 08 00 10 00 1a 01 7a  1a 07 08 00 10 01 1a 01 77  1a 07 08 00 10 01 1a 01 76",
        new Entry("a", "00042", "x".getBytes(UTF_8), "a", "42"), new Entry("a", "+42", "y".getBytes(UTF_8), "a", "42"),
        new Entry("a", " 42\n", "z".getBytes(UTF_8), "a", "42"), new Entry("a", "-0", "w".getBytes(UTF_8), "a", "0"),
        new Entry("a", "0000", "v".getBytes(UTF_8), "a", "0")));
    vectors.add(indexesNeedingTwoByteVarints());
    vectors.add(dataNeedingTwoByteLengths());
    return vectors;
  }

  /** 129 keys: the last record's indexes are 128, written {@code 80 01}. */
  private static Vector indexesNeedingTwoByteVarints() {
    StringBuilder hex = new StringBuilder();
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i <= 128; i++) {
      String key = String.format("k%03d", i);
      hex.append(" 0a 04 6b ").append(digitsHex(String.format("%03d", i)));
      entries.add(new Entry(key, Integer.toString(i), new byte[] {(byte) i}, key, Integer.toString(i)));
    }
    for (int i = 0; i <= 128; i++) {
      String digits = Integer.toString(i);
      hex.append(String.format(" 12 %02x ", digits.length())).append(digitsHex(digits));
    }
    for (int i = 0; i < 128; i++) {
      hex.append(String.format(" 1a 07 08 %02x 10 %02x 1a 01 %02x", i, i, i));
    }
    hex.append(" 1a 09 08 80 01 10 80 01 1a 01 80");
    return new Vector("index 128 is a two-byte varint", List.copyOf(entries), hex(hex.toString()));
  }

  /** 200 bytes of data: data length {@code c8 01}, record length {@code cd 01}. */
  private static Vector dataNeedingTwoByteLengths() {
    byte[] data = new byte[200];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) i;
    }
    String hex = "0a 01 61  1a cd 01 08 00 1a c8 01" + HexFormat.of().formatHex(data);
    return new Vector("200-byte data", List.of(new Entry("a", null, data, "a", null)), hex(hex));
  }

  private static String digitsHex(String digits) {
    return HexFormat.of().formatHex(digits.getBytes(UTF_8));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Encoding

  @ParameterizedTest(name = "{0}")
  @MethodSource("vectors")
  void encoderWritesTheVectorExactly(Vector vector) {
    if (!encoderAccepts(vector)) {
      assertEncoderRefuses(vector);
      return;
    }
    byte[] expected = vector.record();
    AggregateEncoder encoder = new AggregateEncoder();
    assertEquals(20, encoder.size());
    for (Entry e : vector.entries()) {
      long predicted = encoder.sizeWith(e.partitionKey(), e.explicitHashKey(), e.data().length);
      assertEquals(predicted, encoder.sizeWith(e.partitionKey(), e.explicitHashKey(), e.data().length),
          "sizeWith changed state");
      encoder.add(e.partitionKey(), e.explicitHashKey(), e.data());
      assertEquals(predicted, encoder.size(), "sizeWith before add vs size after, for " + e);
    }
    assertEquals(vector.entries().size(), encoder.userRecordCount());
    assertEquals(expected.length, encoder.size());

    assertHexEquals(expected, encoder.toByteArray());
    assertHexEquals(expected, encoder.toByteArray()); // encoding does not consume the content

    for (BufferPool pool : List.of(BufferPool.heap(), BufferPool.direct())) {
      ByteBuffer out = encoder.encode(pool);
      assertEquals(pool.isDirect(), out.isDirect());
      assertEquals(0, out.position());
      assertEquals(expected.length, out.limit());
      assertHexEquals(expected, remaining(out));
      pool.release(out);
      ByteBuffer again = encoder.encode(pool); // a reused (dirty) pooled buffer
      assertHexEquals(expected, remaining(again));
    }

    for (boolean direct : new boolean[] {false, true}) {
      int at = 13;
      int capacity = at + expected.length + 11;
      ByteBuffer destination = direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
      for (int i = 0; i < capacity; i++) {
        destination.put(i, (byte) 0x55);
      }
      destination.position(at);
      encoder.encodeTo(destination);
      assertEquals(at + expected.length, destination.position());
      assertEquals(capacity, destination.limit());
      byte[] all = new byte[capacity];
      destination.duplicate().clear().get(all);
      for (int i = 0; i < capacity; i++) {
        if (i < at || i >= at + expected.length) {
          assertEquals((byte) 0x55, all[i], "byte " + i + " outside the record was written");
        }
      }
      assertHexEquals(expected, Arrays.copyOfRange(all, at, at + expected.length));
    }

    // Reset and reuse: the same content gives the same bytes.
    encoder.reset();
    assertEquals(20, encoder.size());
    assertEquals(0, encoder.userRecordCount());
    for (Entry e : vector.entries()) {
      encoder.add(e.partitionKey(), e.explicitHashKey(), e.data());
    }
    assertHexEquals(expected, encoder.toByteArray());
  }

  @Test
  void encodeToRefusesABufferThatIsTooSmallAndWritesNothing() {
    AggregateEncoder encoder = new AggregateEncoder();
    encoder.add("a", null, "x".getBytes(UTF_8));
    ByteBuffer small = ByteBuffer.allocate((int) encoder.size() + 2);
    small.position(3);
    assertThrows(BufferOverflowException.class, () -> encoder.encodeTo(small));
    assertEquals(3, small.position());
    assertArrayEquals(new byte[small.capacity()], small.array());
  }

  @Test
  void anEmptyEncoderWritesMagicAndTheDigestOfNothing() {
    AggregateEncoder encoder = new AggregateEncoder();
    assertEquals(20, encoder.size());
    assertHexEquals(hex("f3899ac2 d41d8cd98f00b204e9800998ecf8427e"), encoder.toByteArray());
  }

  @Test
  void frameMatchesAKnownDigest() {
    // Guards the test's own framing: MD5("") is the well-known d41d8cd9...
    assertHexEquals(hex("f3899ac2 d41d8cd98f00b204e9800998ecf8427e"), frame(new byte[0]));
  }

  @Test
  void addOverloadsCopyTheSameBytes() {
    byte[] expected = frame(hex("0a 01 61  1a 06 08 00 1a 02 62 63  1a 06 08 00 1a 02 64 65  1a 06 08 00 1a 02 66 67"));
    AggregateEncoder encoder = new AggregateEncoder();
    byte[] source = "abcdefgh".getBytes(UTF_8);
    encoder.add("a", null, source, 1, 2);
    ByteBuffer heap = ByteBuffer.wrap(source, 3, 2);
    encoder.add("a", null, heap);
    assertEquals(3, heap.position(), "add(ByteBuffer) moved the caller's position");
    ByteBuffer direct = ByteBuffer.allocateDirect(8).put(source);
    direct.limit(7).position(5);
    encoder.add("a", null, direct);
    assertEquals(5, direct.position(), "add(ByteBuffer) moved the caller's position");
    Arrays.fill(source, (byte) 0); // data was copied when added
    assertHexEquals(expected, encoder.toByteArray());
  }

  /**
   * Whether every explicit hash key of the vector is one the encoder takes, as the KPL: {@code new
   * BigInteger(key.trim())} in 0..2^128-1. The others (text that is not a number) are vectors for the decoder only,
   * which must read whatever another producer wrote.
   */
  static boolean encoderAccepts(Vector vector) {
    for (Entry e : vector.entries()) {
      if (e.explicitHashKey() != null) {
        try {
          BigInteger value = new BigInteger(e.explicitHashKey().trim());
          if (value.signum() < 0 || value.bitLength() > 128) {
            return false;
          }
        } catch (NumberFormatException notANumber) {
          return false;
        }
      }
    }
    return true;
  }

  /** Issue 22: an explicit hash key the KPL refuses is refused, before anything changes. */
  private static void assertEncoderRefuses(Vector vector) {
    AggregateEncoder encoder = new AggregateEncoder();
    for (Entry e : vector.entries()) {
      if (e.explicitHashKey() != null && !encoderAccepts(new Vector("one", List.of(e), new byte[0]))) {
        long size = encoder.size();
        assertThrows(IllegalArgumentException.class,
            () -> encoder.sizeWith(e.partitionKey(), e.explicitHashKey(), e.data().length), vector.name());
        assertThrows(IllegalArgumentException.class,
            () -> encoder.add(e.partitionKey(), e.explicitHashKey(), e.data()), vector.name());
        assertEquals(size, encoder.size(), "a refused user record changed the encoder");
        return;
      }
      encoder.add(e.partitionKey(), e.explicitHashKey(), e.data());
    }
    throw new AssertionError("no refused explicit hash key in " + vector.name());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Decoding the vectors

  @ParameterizedTest
  @EnumSource(BufferKind.class)
  void everyVectorDecodes(BufferKind kind) {
    assertAll(vectors().stream().map(vector -> () ->
        assertDecodes(Deaggregator.create(), kind, vector.record(), vector.expected(), vector.name())));
  }

  @ParameterizedTest
  @EnumSource(BufferKind.class)
  void encoderOutputDecodes(BufferKind kind) {
    assertAll(vectors().stream().filter(WireVectorsTest::encoderAccepts).map(vector -> () -> {
      AggregateEncoder encoder = new AggregateEncoder();
      for (Entry e : vector.entries()) {
        encoder.add(e.partitionKey(), e.explicitHashKey(), e.data());
      }
      assertDecodes(Deaggregator.create(), kind, encoder.toByteArray(), vector.expected(), vector.name());
    }));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Non-canonical but valid encodings: protobuf-java parses them, so must we.

  record Lenient(String name, String protobufHex, List<Expected> expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static List<Lenient> lenientVectors() {
    return List.of(
        new Lenient("records before the key tables",
            "1a 07 08 00 10 00 1a 01 78  1a 05 08 01 1a 01 79  12 01 39  0a 01 61  0a 01 62",
            List.of(Expected.of("a", "9", "78"), Expected.of("b", null, "79"))),
        new Lenient("tables and records interleaved",
            "0a 01 61  1a 07 08 01 10 00 1a 01 79  12 01 35  0a 01 62  1a 05 08 00 1a 01 78  12 01 36"
                + "  1a 07 08 00 10 01 1a 01 7a",
            List.of(Expected.of("b", "5", "79"), Expected.of("a", null, "78"), Expected.of("a", "6", "7a"))),
        new Lenient("fields of a record in reverse order",
            "0a 01 61  12 01 35  1a 07 1a 01 78 10 00 08 00",
            List.of(Expected.of("a", "5", "78"))),
        new Lenient("unknown fields of every wire type at top level",
            // field 5 varint; field 6 fixed64; field 7 bytes; field 8 group holding field 1 and a field-9 group;
            // field 10 fixed32; field 100 varint (two-byte tag); field 2^29-1 varint (largest field number)
            "28 96 01  31 01 02 03 04 05 06 07 08  3a 03 0a 01 61  43 08 01 4b 1a 00 4c 44  55 01 02 03 04"
                + "  a0 06 00  f8 ff ff ff 0f 7f"
                + "  0a 01 61  28 00  1a 05 08 00 1a 01 78  3a 00",
            List.of(Expected.of("a", null, "78"))),
        new Lenient("unknown fields of every wire type inside a record",
            "0a 01 61  1a 26 28 96 01  31 01 02 03 04 05 06 07 08  08 00  3a 03 0a 01 61  43 08 01 4b 4c 44"
                + "  1a 01 78  55 01 02 03 04  a0 06 00  13 14",
            List.of(Expected.of("a", null, "78"))),
        new Lenient("unknown fields of every wire type inside a tag",
            "0a 01 61  1a 29 08 00 1a 01 78"
                + "  22 22 28 96 01 31 01 02 03 04 05 06 07 08 0a 01 6b 3a 01 61 43 4b 08 01 4c 44"
                + " 12 01 76 55 01 02 03 04 1b 1c",
            List.of(Expected.of("a", null, "78"))),
        new Lenient("known field numbers with the wrong wire type are skipped",
            // top level: field 1 as varint, field 2 as fixed32, field 3 as fixed64 and as a group;
            // in the record: field 1 as bytes, field 2 as fixed64, field 3 as varint, field 4 as varint
            "08 05  15 01 02 03 04  19 01 02 03 04 05 06 07 08  1b 08 01 1c  0a 01 61  12 01 33"
                + "  1a 1c 0a 01 07  11 01 02 03 04 05 06 07 08  18 05  20 01  08 00  10 00  1a 01 78"
                + "  0d 01 02 03 04",
            List.of(Expected.of("a", "3", "78"))),
        new Lenient("repeated singular fields: the last one wins",
            "0a 01 61  12 01 37  1a 0e 08 05 08 00 10 09 10 00 1a 01 79 1a 01 78",
            List.of(Expected.of("a", "7", "78"))),
        new Lenient("tags with key and value, key only, and empty values",
            "0a 01 61  1a 17 08 00  22 06 0a 01 6b 12 01 76  1a 01 78  22 02 0a 00  22 04 12 00 0a 00",
            List.of(Expected.of("a", null, "78"))),
        new Lenient("non-minimal varints for tag, length and index",
            "8a 00 01 61  1a 87 00 08 80 00 1a 81 00 78",
            List.of(Expected.of("a", null, "78"))),
        // Over-long but within ten bytes: the value is 0 (protobuf-java's array parser misreads it as 2^63).
        new Lenient("a 10-byte varint of 0 as partition key index",
            "0a 01 61  1a 0e 08 80 80 80 80 80 80 80 80 80 00 1a 01 78",
            List.of(Expected.of("a", null, "78"))),
        new Lenient("invalid UTF-8 in a key decodes to U+FFFD",
            "0a 02 61 ff  1a 05 08 00 1a 01 78",
            List.of(Expected.of("a\ufffd", null, "78"))),
        new Lenient("an aggregate with only a key table and no records", "0a 01 61", List.of()),
        new Lenient("an aggregate with only unknown fields", "28 00", List.of()),
        new Lenient("unused table entries", "0a 01 61 0a 01 62 12 01 31  1a 05 08 01 1a 01 78",
            List.of(Expected.of("b", null, "78"))));
  }

  @ParameterizedTest
  @EnumSource(BufferKind.class)
  void nonCanonicalEncodingsDecode(BufferKind kind) {
    // assertAll: every vector is tried and every failure reported, not just the first.
    assertAll(lenientVectors().stream().map(vector -> () -> assertDecodes(Deaggregator.create(), kind,
        frame(hex(vector.protobufHex())), vector.expected(), vector.name())));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Shared helpers (also used by the other tests of this package)

  static byte[] hex(String hex) {
    return HexFormat.of().parseHex(hex.replaceAll("\\s", ""));
  }

  static byte[] md5(byte[] bytes) {
    try {
      return MessageDigest.getInstance("MD5").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** magic | protobuf | MD5(protobuf). */
  static byte[] frame(byte[] protobuf) {
    byte[] record = new byte[4 + protobuf.length + 16];
    System.arraycopy(MAGIC, 0, record, 0, 4);
    System.arraycopy(protobuf, 0, record, 4, protobuf.length);
    System.arraycopy(md5(protobuf), 0, record, 4 + protobuf.length, 16);
    return record;
  }

  static byte[] remaining(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  static void assertHexEquals(byte[] expected, byte[] actual) {
    assertEquals(HexFormat.of().formatHex(expected), HexFormat.of().formatHex(actual));
  }

  /**
   * Decodes {@code record} wrapped as {@code kind} with every entry point (classify, deaggregate, visit, iterator,
   * stream) and checks the user records, that their data is a read-only zero-copy view of the input, and that the
   * caller's position and limit never move.
   */
  static List<UserRecord> assertDecodes(Deaggregator deaggregator, BufferKind kind, byte[] record,
      List<Expected> expected, String what) {
    BufferKind.Input input = kind.input(record);
    ByteBuffer buffer = input.buffer();
    String context = what + " in " + kind;

    Classification classification = deaggregator.classify(buffer);
    if (classification != Classification.AGGREGATED) {
      String why;
      try {
        why = "deaggregate gave " + deaggregator.deaggregate(buffer);
      } catch (CorruptAggregateException e) {
        why = e.getMessage();
      }
      fail(context + ": classified " + classification + ", not AGGREGATED: " + why);
    }
    input.assertPositionAndLimitUnchanged();

    List<UserRecord> records = deaggregator.deaggregate(buffer);
    input.assertPositionAndLimitUnchanged();
    assertEquals(expected.size(), records.size(), context);
    for (int i = 0; i < expected.size(); i++) {
      UserRecord actual = records.get(i);
      Expected e = expected.get(i);
      String at = context + ", user record " + i;
      assertEquals(e.partitionKey(), actual.partitionKey(), at);
      assertEquals(e.explicitHashKey(), actual.explicitHashKey(), at);
      assertHexEquals(e.data(), actual.dataBytes());
      assertEquals(i, actual.subSequenceNumber(), at);
      assertTrue(actual.isAggregated(), at);
      ByteBuffer view = actual.data();
      assertTrue(view.isReadOnly(), at + ": data view is writable");
      assertEquals(0, view.position(), at);
      assertEquals(e.data().length, view.limit(), at);
      assertEquals(e.data().length, view.capacity(), at + ": view reaches beyond its data");
    }

    // The visitor: same keys and bytes, through absolute indexes into the input buffer itself.
    List<Integer> dataOffsets = new ArrayList<>();
    Classification visited = deaggregator.visit(buffer, (pk, ehk, source, offset, length, seq) -> {
      int i = dataOffsets.size();
      String at = context + ", visited user record " + i;
      assertSame(buffer, source, at);
      assertEquals(i, seq, at);
      Expected e = expected.get(i);
      assertEquals(e.partitionKey(), pk, at);
      assertEquals(e.explicitHashKey(), ehk, at);
      assertEquals(e.data().length, length, at);
      byte[] bytes = new byte[length];
      for (int j = 0; j < length; j++) {
        bytes[j] = source.get(offset + j);
      }
      assertHexEquals(e.data(), bytes);
      dataOffsets.add(offset - input.start());
    });
    assertEquals(Classification.AGGREGATED, visited, context);
    assertEquals(expected.size(), dataOffsets.size(), context);
    input.assertPositionAndLimitUnchanged();

    List<UserRecord> iterated = new ArrayList<>();
    for (Iterator<UserRecord> it = deaggregator.iterator(buffer); it.hasNext(); ) {
      iterated.add(it.next());
    }
    assertEquals(records, iterated, context);
    assertEquals(records, deaggregator.stream(buffer).collect(Collectors.toList()), context);
    input.assertPositionAndLimitUnchanged();

    // Zero-copy: changing the input changes what the views read.
    for (int i = 0; i < records.size(); i++) {
      if (expected.get(i).data().length == 0) {
        continue;
      }
      int at = dataOffsets.get(i);
      byte old = input.get(at);
      input.set(at, (byte) ~old);
      assertEquals((byte) ~old, records.get(i).data().get(0), context + ": user record " + i + " is a copy");
      assertEquals((byte) ~old, iterated.get(i).data().get(0), context + ": iterated record " + i + " is a copy");
      input.set(at, old);
    }
    input.assertPositionAndLimitUnchanged();
    return records;
  }

  /**
   * Checks {@code record} is passed through whole as one not-aggregated user record, as a zero-copy read-only view,
   * with the given classification.
   */
  static void assertPassesThrough(Deaggregator deaggregator, BufferKind kind, byte[] record,
      Classification classification, String what) {
    BufferKind.Input input = kind.input(record);
    ByteBuffer buffer = input.buffer();
    String context = what + " in " + kind;
    assertEquals(classification, deaggregator.classify(buffer), context);
    input.assertPositionAndLimitUnchanged();

    List<UserRecord> records = deaggregator.deaggregate(buffer);
    input.assertPositionAndLimitUnchanged();
    assertEquals(1, records.size(), context);
    UserRecord only = records.get(0);
    assertNull(only.partitionKey(), context);
    assertNull(only.explicitHashKey(), context);
    assertEquals(0, only.subSequenceNumber(), context);
    assertFalse(only.isAggregated(), context);
    assertHexEquals(record, only.dataBytes());
    assertTrue(only.data().isReadOnly(), context);
    assertEquals(record.length, only.data().capacity(), context);

    int[] calls = {0};
    Classification visited = deaggregator.visit(buffer, (pk, ehk, source, offset, length, seq) -> {
      calls[0]++;
      assertNull(pk, context);
      assertNull(ehk, context);
      assertEquals(0, seq, context);
      assertSame(buffer, source, context);
      assertEquals(input.start(), offset, context);
      assertEquals(record.length, length, context);
    });
    assertEquals(classification, visited, context);
    assertEquals(1, calls[0], context);
    List<UserRecord> iterated = new ArrayList<>();
    deaggregator.iterator(buffer).forEachRemaining(iterated::add);
    assertEquals(records, iterated, context);
    input.assertPositionAndLimitUnchanged();

    if (record.length > 0) {
      byte old = input.get(0);
      input.set(0, (byte) ~old);
      assertEquals((byte) ~old, only.data().get(0), context + ": passed-through record is a copy");
      input.set(0, old);
    }
  }
}
