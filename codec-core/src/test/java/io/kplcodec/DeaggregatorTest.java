package io.kplcodec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.AggregatorTest.In;
import io.kplcodec.AggregatorTest.Oracle;
import io.kplcodec.CorruptAggregateException.Reason;
import io.kplcodec.Deaggregator.DropReason;
import io.kplcodec.Deaggregator.HashRangePolicy;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Deaggregator's API: input and output forms, pass-through, strict and lenient corrupt handling, hash-range
 * policies with drop accounting. Inputs are built with the test's reference encoder ({@link Oracle}), not with the
 * Aggregator. Wire-level hostile input is HostileInputTest's.
 */
class DeaggregatorTest {
  private static final List<In> SAMPLE = List.of(
      In.of("alpha", null, "one".getBytes(UTF_8)),
      In.of("βeta", "12345", "two".getBytes(UTF_8)),
      In.of("alpha", null, new byte[0]),
      In.of("😀", "12345", "four".getBytes(UTF_8)),
      In.of("βeta", "340282366920938463463374607431768211455", new byte[300]));

  /** The forms of output, all reduced to a list of user records. */
  enum Form {
    LIST_BYTES((d, b) -> d.deaggregate(b.array)),
    LIST_BUFFER((d, b) -> d.deaggregate(b.buffer())),
    ITERATOR((d, b) -> {
      List<UserRecord> list = new ArrayList<>();
      d.iterator(b.buffer()).forEachRemaining(list::add);
      return list;
    }),
    ITERATOR_BYTES((d, b) -> {
      List<UserRecord> list = new ArrayList<>();
      d.iterator(b.array).forEachRemaining(list::add);
      return list;
    }),
    STREAM((d, b) -> d.stream(b.buffer()).toList()),
    STREAM_BYTES((d, b) -> d.stream(b.array).toList()),
    VISITOR((d, b) -> {
      List<UserRecord> list = new ArrayList<>();
      d.visit(b.buffer(), (pk, ehk, source, offset, length, sub) -> list.add(visited(pk, ehk, source, offset, length,
          sub)));
      return list;
    }),
    VISITOR_BYTES((d, b) -> {
      List<UserRecord> list = new ArrayList<>();
      d.visit(b.array, (pk, ehk, source, offset, length, sub) -> list.add(visited(pk, ehk, source, offset, length,
          sub)));
      return list;
    });

    final java.util.function.BiFunction<Deaggregator, Input, List<UserRecord>> run;

    Form(java.util.function.BiFunction<Deaggregator, Input, List<UserRecord>> run) {
      this.run = run;
    }

    List<UserRecord> apply(Deaggregator deaggregator, byte[] record) {
      return run.apply(deaggregator, new Input(record));
    }
  }

  /** A record's bytes, also offered as a heap buffer with junk around its position and limit. */
  static final class Input {
    final byte[] array;

    Input(byte[] array) {
      this.array = array;
    }

    ByteBuffer buffer() {
      byte[] padded = new byte[array.length + 10];
      Arrays.fill(padded, (byte) 0x5A);
      System.arraycopy(array, 0, padded, 7, array.length);
      return ByteBuffer.wrap(padded, 7, array.length);
    }
  }

  /** A visited user record as a UserRecord-like value (data copied: the view is valid only during the call). */
  private static UserRecord visited(String pk, String ehk, ByteBuffer source, int offset, int length, long sub) {
    byte[] data = new byte[length];
    for (int i = 0; i < length; i++) {
      data[i] = source.get(offset + i);
    }
    return new UserRecord(pk, ehk, ByteBuffer.wrap(data), sub, pk != null);
  }

  private static void assertUserRecords(List<In> expected, List<Long> subSequenceNumbers, List<UserRecord> actual) {
    assertEquals(expected.size(), actual.size(), "user record count");
    for (int i = 0; i < expected.size(); i++) {
      In e = expected.get(i);
      UserRecord a = actual.get(i);
      assertEquals(e.pk(), a.partitionKey());
      assertEquals(e.ehk(), a.explicitHashKey());
      assertArrayEquals(e.bytes(), a.dataBytes());
      assertEquals((long) subSequenceNumbers.get(i), a.subSequenceNumber());
      assertTrue(a.isAggregated());
    }
  }

  private static List<Long> upTo(int n) {
    List<Long> list = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      list.add(i);
    }
    return list;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Forms

  @ParameterizedTest
  @EnumSource(Form.class)
  void everyFormGivesTheUserRecordsInOrder(Form form) {
    byte[] record = Oracle.encode(SAMPLE);
    assertUserRecords(SAMPLE, upTo(5), form.apply(Deaggregator.create(), record));
  }

  @ParameterizedTest
  @ValueSource(strings = {"heap", "heapOffset", "direct", "readOnly", "readOnlyDirect"})
  void everyBufferKindWorksWithoutMovingThePositionAndWithoutCopying(String kind) {
    byte[] record = Oracle.encode(SAMPLE);
    ByteBuffer input = switch (kind) {
      case "heap" -> ByteBuffer.wrap(record);
      case "heapOffset" -> new Input(record).buffer();
      case "direct" -> ByteBuffer.allocateDirect(record.length + 8).position(3).put(record).flip().position(3);
      case "readOnly" -> new Input(record).buffer().asReadOnlyBuffer();
      case "readOnlyDirect" -> ByteBuffer.allocateDirect(record.length).put(record).flip().asReadOnlyBuffer();
      default -> throw new AssertionError(kind);
    };
    int position = input.position();
    int limit = input.limit();
    Deaggregator deaggregator = Deaggregator.create();
    assertEquals(Classification.AGGREGATED, deaggregator.classify(input));
    List<UserRecord> users = deaggregator.deaggregate(input);
    assertEquals(position, input.position());
    assertEquals(limit, input.limit());
    assertUserRecords(SAMPLE, upTo(5), users);
    for (UserRecord user : users) {
      ByteBuffer data = user.data();
      assertTrue(data.isReadOnly());
      assertEquals(input.isDirect(), data.isDirect(), "a view of the input, not a copy");
      assertEquals(0, data.position());
      data.position(data.limit()); // a view's position is its own
      assertEquals(0, user.data().position());
    }
    if (kind.equals("heap")) {
      // Zero copy: the views read the caller's bytes.
      ByteBuffer view = users.get(0).data();
      int at = indexOf(record, "one".getBytes(UTF_8));
      record[at] = 'O';
      assertEquals('O', view.get(0));
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }

  @Test
  void visitorGetsAbsoluteOffsetsIntoTheInputBufferItself() {
    byte[] record = Oracle.encode(SAMPLE);
    ByteBuffer input = new Input(record).buffer(); // position 7
    int limit = input.limit();
    List<Integer> offsets = new ArrayList<>();
    Classification c = Deaggregator.create().visit(input, (pk, ehk, source, offset, length, sub) -> {
      assertSame(input, source); // no view: the visitor form allocates nothing per call
      assertEquals(7, source.position());
      assertEquals(limit, source.limit());
      offsets.add(offset);
      byte[] expected = SAMPLE.get((int) sub).bytes();
      assertEquals(expected.length, length);
      for (int i = 0; i < length; i++) {
        assertEquals(expected[i], source.get(offset + i));
      }
    });
    assertEquals(Classification.AGGREGATED, c);
    assertEquals(5, offsets.size());
    assertEquals(7 + indexOf(record, "one".getBytes(UTF_8)), offsets.get(0), "offsets count from the buffer's index 0");
  }

  @Test
  void iteratorIsLazyButValidatedUpFrontAndEndsCleanly() {
    Iterator<UserRecord> it = Deaggregator.create().iterator(Oracle.encode(SAMPLE));
    for (int i = 0; i < 5; i++) {
      assertTrue(it.hasNext());
      assertEquals(i, it.next().subSequenceNumber());
    }
    assertFalse(it.hasNext());
    assertThrows(NoSuchElementException.class, it::next);
    assertEquals(5, Deaggregator.create().stream(Oracle.encode(SAMPLE)).count());
  }

  @Test
  void userRecordsAreValuesComparedByContent() {
    Deaggregator d = Deaggregator.create();
    List<UserRecord> a = d.deaggregate(Oracle.encode(SAMPLE));
    List<UserRecord> b = d.deaggregate(Oracle.encode(SAMPLE));
    assertEquals(a, b);
    assertEquals(a.get(1).hashCode(), b.get(1).hashCode());
    assertNotEquals(a.get(0), a.get(2), "same key, different data and position");
  }

  @Test
  void aDeaggregatorIsReentrantFromItsVisitorAndSharedAcrossThreads() throws Exception {
    Deaggregator d = Deaggregator.create();
    byte[] inner = Oracle.encode(List.of(In.of("inner", null, "x".getBytes(UTF_8)), In.of("i2", null, new byte[2])));
    byte[] outer = Oracle.encode(List.of(In.of("o", null, inner), In.of("o", null, inner), In.of("p", null, inner)));
    List<String> seen = new ArrayList<>();
    d.visit(outer, (pk, ehk, source, offset, length, sub) -> {
      ByteBuffer nested = source.duplicate();
      nested.limit(offset + length).position(offset);
      seen.add(pk);
      d.deaggregate(nested).forEach(u -> seen.add(u.partitionKey()));
    });
    assertEquals(List.of("o", "inner", "i2", "o", "inner", "i2", "p", "inner", "i2"), seen);

    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int seed = t;
        futures.add(pool.submit(() -> {
          for (int i = 0; i < 300; i++) {
            List<In> records = List.of(In.of("t" + seed, null, new byte[i % 17]), In.of("k" + i, "" + i, new byte[3]));
            assertUserRecords(records, upTo(2), d.deaggregate(Oracle.encode(records)));
          }
        }));
      }
      for (Future<?> f : futures) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Not aggregated: passed through whole

  @ParameterizedTest
  @ValueSource(strings = {"empty", "short", "plain", "magicAndMd5OfNothing", "magicWrongMd5", "flippedDataByte",
      "twentyBytesOfMagic"})
  void notAggregatedInputIsPassedThroughAsOneRecord(String kind) {
    byte[] valid = Oracle.encode(SAMPLE);
    byte[] input = switch (kind) {
      case "empty" -> new byte[0];
      case "short" -> Arrays.copyOf(Oracle.MAGIC, 20);
      case "plain" -> "{\"just\":\"json\"}".getBytes(UTF_8);
      case "magicAndMd5OfNothing" -> Oracle.frame(new byte[0]); // 20 bytes, as KCL passes it through
      case "magicWrongMd5" -> Arrays.copyOf(valid, valid.length);
      case "flippedDataByte" -> Arrays.copyOf(valid, valid.length);
      case "twentyBytesOfMagic" -> Arrays.copyOf(new byte[0], 21);
      default -> throw new AssertionError(kind);
    };
    if (kind.equals("magicWrongMd5")) {
      input[input.length - 1] ^= 1;
    } else if (kind.equals("flippedDataByte")) {
      input[indexOf(input, "four".getBytes(UTF_8))] ^= 0x20;
    } else if (kind.equals("twentyBytesOfMagic")) {
      System.arraycopy(Oracle.MAGIC, 0, input, 0, 4);
    }
    Deaggregator d = Deaggregator.create();
    assertEquals(Classification.NOT_AGGREGATED, d.classify(input));
    for (Form form : Form.values()) {
      List<UserRecord> users = form.apply(d, input);
      assertEquals(1, users.size(), form.name());
      UserRecord user = users.get(0);
      assertNull(user.partitionKey());
      assertNull(user.explicitHashKey());
      assertEquals(0, user.subSequenceNumber());
      assertFalse(user.isAggregated());
      assertArrayEquals(input, user.dataBytes(), form.name());
      if (!form.name().startsWith("VISITOR")) {
        assertTrue(user.data().isReadOnly(), form.name());
      }
    }
    int[] calls = {0};
    assertEquals(Classification.NOT_AGGREGATED, d.visit(input, (pk, ehk, source, offset, length, sub) -> {
      calls[0]++;
      assertNull(pk);
      assertEquals(input.length, length);
    }));
    assertEquals(1, calls[0]);
  }

  @Test
  void aggregateWithoutRecordsYieldsNone() {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    Oracle.writeBytesField(message, 0x0A, "a".getBytes(UTF_8));
    byte[] record = Oracle.frame(message.toByteArray());
    Deaggregator d = Deaggregator.create();
    assertEquals(Classification.AGGREGATED, d.classify(record));
    for (Form form : Form.values()) {
      assertTrue(form.apply(d, record).isEmpty(), form.name());
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Corrupt: strict by default, lenient on request

  /** A valid first record, then one pointing at partition key 5 of a one-entry table. */
  private static byte[] badPartitionKeyIndex(long[] offsetOfBadRecord) {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    Oracle.writeBytesField(message, 0x0A, "a".getBytes(UTF_8));
    message.writeBytes(recordField(0, "good"));
    offsetOfBadRecord[0] = 4 + message.size();
    message.writeBytes(recordField(5, "bad"));
    return Oracle.frame(message.toByteArray());
  }

  private static byte[] recordField(int pkIndex, String data) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    Oracle.writeVarintField(body, 0x08, pkIndex);
    Oracle.writeBytesField(body, 0x1A, data.getBytes(UTF_8));
    ByteArrayOutputStream field = new ByteArrayOutputStream();
    Oracle.writeBytesField(field, 0x1A, body.toByteArray());
    return field.toByteArray();
  }

  @Test
  void corruptAggregateThrowsByDefaultAndNothingIsEmitted() {
    long[] offset = new long[1];
    byte[] record = badPartitionKeyIndex(offset);
    Deaggregator d = Deaggregator.create();
    assertEquals(Classification.CORRUPT, d.classify(record), "classify reports instead of throwing");
    for (Form form : Form.values()) {
      List<UserRecord> emitted = new ArrayList<>();
      CorruptAggregateException e = assertThrows(CorruptAggregateException.class, () -> {
        switch (form) {
          case VISITOR, VISITOR_BYTES -> d.visit(record, (pk, ehk, s, o, l, sub) -> emitted.add(null));
          case ITERATOR, ITERATOR_BYTES -> d.iterator(record).forEachRemaining(emitted::add);
          case STREAM, STREAM_BYTES -> d.stream(record).forEach(emitted::add);
          default -> emitted.addAll(form.apply(d, record));
        }
      }, form.name());
      assertTrue(emitted.isEmpty(), "the valid first record must not be emitted before the failure: " + form);
      assertEquals(Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE, e.reason());
      assertEquals(offset[0], e.offset(), "offset of the offending Record field from the magic");
      assertTrue(e.getMessage().contains(String.valueOf(offset[0])), e.getMessage());
    }
  }

  @Test
  void lenientModePassesTheWholeCorruptRecordThroughAndSaysWhy() {
    byte[] record = badPartitionKeyIndex(new long[1]);
    List<CorruptAggregateException> causes = new ArrayList<>();
    Deaggregator d = Deaggregator.builder()
        .passCorruptAggregatesThrough(true)
        .listener(new Deaggregator.Listener() {
          @Override
          public void corruptPassedThrough(CorruptAggregateException cause) {
            causes.add(cause);
          }
        })
        .build();
    assertEquals(Classification.CORRUPT, d.classify(record));
    assertTrue(causes.isEmpty(), "classify emits nothing, so reports nothing");
    for (Form form : Form.values()) {
      causes.clear();
      List<UserRecord> users = form.apply(d, record);
      assertEquals(1, users.size(), form.name());
      assertFalse(users.get(0).isAggregated());
      assertNull(users.get(0).partitionKey());
      assertArrayEquals(record, users.get(0).dataBytes());
      assertEquals(1, causes.size(), form.name());
      assertEquals(Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE, causes.get(0).reason());
    }
    assertEquals(Classification.CORRUPT, d.visit(record, (pk, ehk, s, o, l, sub) -> assertEquals(record.length, l)));
  }

  @Test
  void invalidExplicitHashKeyTextIsOnlyCorruptWhenAFilterNeedsItsValue() {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    Oracle.writeBytesField(message, 0x0A, "a".getBytes(UTF_8));
    Oracle.writeBytesField(message, 0x12, "not-a-number".getBytes(UTF_8));
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    Oracle.writeVarintField(body, 0x08, 0);
    Oracle.writeVarintField(body, 0x10, 0);
    Oracle.writeBytesField(body, 0x1A, "d".getBytes(UTF_8));
    Oracle.writeBytesField(message, 0x1A, body.toByteArray());
    byte[] record = Oracle.frame(message.toByteArray());

    UserRecord user = Deaggregator.create().deaggregate(record).get(0);
    assertEquals("not-a-number", user.explicitHashKey());

    Deaggregator.Builder filtering = Deaggregator.builder()
        .hashRange(HashKeyRange.all())
        .hashRangePolicy(HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS);
    CorruptAggregateException e =
        assertThrows(CorruptAggregateException.class, () -> filtering.build().deaggregate(record));
    assertEquals(Reason.INVALID_EXPLICIT_HASH_KEY, e.reason());
    List<UserRecord> lenient = filtering.passCorruptAggregatesThrough(true).build().deaggregate(record);
    assertEquals(1, lenient.size());
    assertFalse(lenient.get(0).isAggregated());
  }

  @Test
  void verifyMd5FalseSkipsTheChecksum() {
    byte[] record = Oracle.encode(SAMPLE);
    Arrays.fill(record, record.length - 16, record.length, (byte) 0);
    assertEquals(Classification.NOT_AGGREGATED, Deaggregator.create().classify(record));
    Deaggregator trusting = Deaggregator.builder().verifyMd5(false).build();
    assertEquals(Classification.AGGREGATED, trusting.classify(record));
    assertUserRecords(SAMPLE, upTo(5), trusting.deaggregate(record));
    assertEquals(Classification.NOT_AGGREGATED, trusting.classify("no magic here, long enough".getBytes(UTF_8)));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Hash-range policies and drop accounting

  /** A listener that records what it hears. */
  static final class Drops implements Deaggregator.Listener {
    final List<UserRecord> records = new ArrayList<>();
    final List<DropReason> reasons = new ArrayList<>();

    @Override
    public void dropped(UserRecord record, DropReason reason) {
      records.add(record);
      reasons.add(reason);
    }
  }

  private static final BigInteger C = Oracle.hashKey("c", null); // MD5 of "c"
  private static final HashKeyRange RANGE =
      HashKeyRange.of(C.subtract(BigInteger.valueOf(5)).toString(), C.add(BigInteger.valueOf(5)).toString());
  /** Out, in (first key of the range), in (by MD5), in (last key), out, out (by MD5). */
  private static final List<In> MIXED = List.of(
      In.of("a", C.subtract(BigInteger.valueOf(6)).toString(), "r0".getBytes(UTF_8)),
      In.of("b", RANGE.startingHashKey(), "r1".getBytes(UTF_8)),
      In.of("c", null, "r2".getBytes(UTF_8)),
      In.of("d", RANGE.endingHashKey(), "r3".getBytes(UTF_8)),
      In.of("e", C.add(BigInteger.valueOf(6)).toString(), "r4".getBytes(UTF_8)),
      In.of("z", null, "r5".getBytes(UTF_8)));
  private static final List<Boolean> IN_RANGE = List.of(false, true, true, true, false, false);

  @Test
  void testFixtureIsWhatItClaims() {
    for (int i = 0; i < MIXED.size(); i++) {
      In r = MIXED.get(i);
      assertEquals(IN_RANGE.get(i), Oracle.inRange(Oracle.hashKey(r.pk(), r.ehk()), RANGE), "record " + i);
      assertEquals(IN_RANGE.get(i), RANGE.containsRecord(r.pk(), r.ehk()), "record " + i);
    }
  }

  private static Deaggregator filtering(HashRangePolicy policy, Drops drops) {
    return Deaggregator.builder().hashRange(RANGE).hashRangePolicy(policy).listener(drops).build();
  }

  @ParameterizedTest
  @EnumSource(Form.class)
  void keepAllKeepsEverythingAndReportsNothing(Form form) {
    Drops drops = new Drops();
    List<UserRecord> kept = form.apply(filtering(HashRangePolicy.KEEP_ALL, drops), Oracle.encode(MIXED));
    assertUserRecords(MIXED, upTo(6), kept);
    assertTrue(drops.records.isEmpty());
  }

  @ParameterizedTest
  @EnumSource(Form.class)
  void dropOutOfRangeRecordsKeepsTheRestAndReportsEachDrop(Form form) {
    Drops drops = new Drops();
    List<UserRecord> kept =
        form.apply(filtering(HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS, drops), Oracle.encode(MIXED));
    assertUserRecords(MIXED.subList(1, 4), List.of(1L, 2L, 3L), kept);
    assertEquals(List.of(0L, 4L, 5L), drops.records.stream().map(UserRecord::subSequenceNumber).toList());
    assertEquals(List.of(DropReason.OUT_OF_RANGE, DropReason.OUT_OF_RANGE, DropReason.OUT_OF_RANGE), drops.reasons);
    assertUserRecords(List.of(MIXED.get(0), MIXED.get(4), MIXED.get(5)), List.of(0L, 4L, 5L), drops.records);
    assertEquals(MIXED.size(), kept.size() + drops.records.size(), "kept + dropped == total");
  }

  @ParameterizedTest
  @EnumSource(Form.class)
  void dropWholeAggregateDropsEverythingAndSaysWhichWereInRange(Form form) {
    Drops drops = new Drops();
    List<UserRecord> kept = form.apply(filtering(HashRangePolicy.DROP_WHOLE_AGGREGATE, drops), Oracle.encode(MIXED));
    assertTrue(kept.isEmpty());
    assertUserRecords(MIXED, upTo(6), drops.records);
    for (int i = 0; i < MIXED.size(); i++) {
      assertEquals(IN_RANGE.get(i) ? DropReason.AGGREGATE_DROPPED : DropReason.OUT_OF_RANGE, drops.reasons.get(i),
          "record " + i);
    }
  }

  @ParameterizedTest
  @EnumSource(HashRangePolicy.class)
  void anAggregateEntirelyInRangeLosesNothingUnderAnyPolicy(HashRangePolicy policy) {
    List<In> inRange = List.of(MIXED.get(1), MIXED.get(2), MIXED.get(3));
    Drops drops = new Drops();
    assertUserRecords(inRange, upTo(3), filtering(policy, drops).deaggregate(Oracle.encode(inRange)));
    assertTrue(drops.records.isEmpty());
  }

  @ParameterizedTest
  @EnumSource(HashRangePolicy.class)
  void recordsThatWereNotAggregatedAreNeverFiltered(HashRangePolicy policy) {
    Drops drops = new Drops();
    byte[] plain = "a plain record whose key is far outside".getBytes(UTF_8);
    List<UserRecord> users = filtering(policy, drops).deaggregate(plain);
    assertEquals(1, users.size());
    assertArrayEquals(plain, users.get(0).dataBytes());
    assertTrue(drops.records.isEmpty());
  }

  @Test
  void toBuilderDerivesAFilteringDeaggregatorAndLeavesTheOriginalAlone() {
    Drops drops = new Drops();
    Deaggregator unfiltered =
        Deaggregator.builder().hashRangePolicy(HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS).listener(drops).build();
    assertEquals(6, unfiltered.deaggregate(Oracle.encode(MIXED)).size(), "no range: nothing filtered");
    assertTrue(drops.records.isEmpty());
    Deaggregator filtered = unfiltered.toBuilder().hashRange(RANGE).build();
    assertEquals(3, filtered.deaggregate(Oracle.encode(MIXED)).size());
    assertEquals(3, drops.records.size());
    assertEquals(6, unfiltered.deaggregate(Oracle.encode(MIXED)).size());
  }

  /** Random aggregates against random ranges: each user record is kept or dropped as BigInteger says, once. */
  @ParameterizedTest
  @EnumSource(value = HashRangePolicy.class, names = {"DROP_OUT_OF_RANGE_RECORDS", "DROP_WHOLE_AGGREGATE"})
  void dropAccountingAlwaysAddsUp(HashRangePolicy policy) {
    java.util.Random random = new java.util.Random(5);
    for (int round = 0; round < 200; round++) {
      List<In> records = new ArrayList<>();
      int n = 1 + random.nextInt(round % 10 == 0 ? 200 : 40); // past the 64-record scratch size too
      for (int i = 0; i < n; i++) {
        String ehk = random.nextBoolean() ? null : new BigInteger(128, random).toString();
        records.add(In.of("k" + random.nextInt(30), ehk, ("d" + i).getBytes(UTF_8)));
      }
      BigInteger a = new BigInteger(128, random);
      BigInteger b = new BigInteger(128, random);
      HashKeyRange range = HashKeyRange.of(a.min(b).toString(), a.max(b).toString());
      Drops drops = new Drops();
      Deaggregator d = Deaggregator.builder().hashRange(range).hashRangePolicy(policy).listener(drops).build();
      List<UserRecord> kept = d.deaggregate(Oracle.encode(records));
      List<Boolean> in = records.stream().map(r -> Oracle.inRange(Oracle.hashKey(r.pk(), r.ehk()), range)).toList();
      boolean all = !in.contains(false);
      List<Long> expectedKept = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if (in.get(i) && (all || policy == HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS)) {
          expectedKept.add((long) i);
        }
      }
      assertEquals(expectedKept, kept.stream().map(UserRecord::subSequenceNumber).toList());
      assertEquals(n, kept.size() + drops.records.size(), "kept + dropped == total");
      List<Long> everything = new ArrayList<>(expectedKept);
      drops.records.forEach(r -> everything.add(r.subSequenceNumber()));
      everything.sort(null);
      assertEquals(upTo(n), everything, "each user record kept or dropped exactly once");
      for (int i = 0; i < drops.records.size(); i++) {
        int index = (int) drops.records.get(i).subSequenceNumber();
        assertEquals(in.get(index) ? DropReason.AGGREGATE_DROPPED : DropReason.OUT_OF_RANGE, drops.reasons.get(i));
      }
    }
  }

  @Test
  void strictCorruptionWinsOverFilteringAndLenientPassThroughIsNotFiltered() {
    byte[] record = badPartitionKeyIndex(new long[1]);
    Drops drops = new Drops();
    assertThrows(CorruptAggregateException.class,
        () -> filtering(HashRangePolicy.DROP_WHOLE_AGGREGATE, drops).deaggregate(record));
    Deaggregator lenient = Deaggregator.builder().hashRange(RANGE)
        .hashRangePolicy(HashRangePolicy.DROP_WHOLE_AGGREGATE).passCorruptAggregatesThrough(true).listener(drops)
        .build();
    List<UserRecord> users = lenient.deaggregate(record);
    assertEquals(1, users.size());
    assertTrue(drops.records.isEmpty());
  }

  @Test
  void builderRefusesNulls() {
    assertThrows(NullPointerException.class, () -> Deaggregator.builder().hashRange(null));
    assertThrows(NullPointerException.class, () -> Deaggregator.builder().hashRangePolicy(null));
    assertThrows(NullPointerException.class, () -> Deaggregator.builder().listener(null));
    assertThrows(NullPointerException.class, () -> Deaggregator.create().toBuilder().hashRange(null));
    assertThrows(NullPointerException.class, () -> Deaggregator.create().visit(new byte[0], null));
    assertSame(Classification.NOT_AGGREGATED, Deaggregator.create().classify(new byte[0]));
  }

  /** Round trip with the Aggregator's own output, which is what consumers will mostly see. */
  @Test
  void aggregatorOutputComesBackExactly() {
    Aggregator aggregator = Aggregator.builder().build();
    List<In> in = new ArrayList<>(SAMPLE);
    in.forEach(r -> r.addTo(aggregator));
    KinesisRecord out = AggregatorTest.single(aggregator.flush());
    Function<Deaggregator, List<UserRecord>> run = d -> d.deaggregate(out.data());
    assertUserRecords(in, upTo(5), run.apply(Deaggregator.create()));
    assertUserRecords(in, upTo(5), run.apply(Deaggregator.builder().verifyMd5(false).build()));
  }
}
