package io.kplcodec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Aggregator's contract, checked against {@link Oracle}: an independent encoder and size formula written from
 * KINESIS-FACTS, MD5 hash keys from {@link MessageDigest} and {@link BigInteger}. Outputs are also decoded with the
 * Deaggregator.
 */
class AggregatorTest {
  private static final int MIB = 1 << 20;
  private static final String MAX_HASH_KEY = "340282366920938463463374607431768211455";

  // ---------------------------------------------------------------------------------------------------------------
  // Basics: keys, formats, forms of add

  @Test
  void defaultsAreOneMebibyteAndLoneRecordsRaw() {
    Aggregator aggregator = Aggregator.builder().build();
    assertEquals(1_048_576, aggregator.maxRecordSize());
    assertNull(aggregator.shardMap());
    assertNull(aggregator.add("k", null, bytes(10)));
    KinesisRecord lone = single(aggregator.flush());
    assertFalse(lone.isAggregated());
  }

  @Test
  void maxRecordSizeAcceptsOneToTenMebibytes() {
    assertEquals(10_485_760, Aggregator.builder().maxRecordSize(10_485_760).build().maxRecordSize());
    assertEquals(1, Aggregator.builder().maxRecordSize(1).build().maxRecordSize());
    assertThrows(IllegalArgumentException.class, () -> Aggregator.builder().maxRecordSize(10_485_761));
    assertThrows(IllegalArgumentException.class, () -> Aggregator.builder().maxRecordSize(0));
    assertThrows(IllegalArgumentException.class, () -> Aggregator.builder().maxUserRecordsPerAggregate(0));
    assertThrows(IllegalArgumentException.class, () -> Aggregator.builder().fixedPartitionKey(""));
    assertThrows(IllegalArgumentException.class, () -> Aggregator.builder().fixedPartitionKey("x".repeat(257)));
  }

  @Test
  void aggregateHoldsUserRecordsInOrderWithFirstRecordsKeys() {
    Aggregator aggregator = Aggregator.builder().build();
    List<In> in = List.of(
        In.of("alpha", null, "one".getBytes(UTF_8)),
        In.of("beta", "12345", "two".getBytes(UTF_8)),
        In.of("alpha", null, new byte[0]),
        In.of("gamma", "12345", "four".getBytes(UTF_8)),
        In.of("beta", MAX_HASH_KEY, "five".getBytes(UTF_8)));
    for (In r : in) {
      assertNull(r.addTo(aggregator));
    }
    assertEquals(5, aggregator.pendingUserRecordCount());
    KinesisRecord out = single(aggregator.flush());
    assertEquals(0, aggregator.pendingUserRecordCount());
    assertEquals("alpha", out.partitionKey());
    assertEquals(Oracle.hashKey("alpha", null).toString(), out.explicitHashKey());
    Oracle.assertOutput(out, in, false, null);
    assertTrue(aggregator.flush().isEmpty(), "nothing left to flush");
  }

  @Test
  void outgoingExplicitHashKeyIsTheFirstRecordsExplicitHashKey() {
    Aggregator aggregator = Aggregator.builder().build();
    aggregator.add("pk", "0", bytes(3));
    aggregator.add("other", "99", bytes(3));
    KinesisRecord out = single(aggregator.flush());
    assertEquals("pk", out.partitionKey());
    assertEquals("0", out.explicitHashKey());

    aggregator.add("pk", MAX_HASH_KEY, bytes(3));
    aggregator.add("pk", null, bytes(3));
    assertEquals(MAX_HASH_KEY, single(aggregator.flush()).explicitHashKey());
  }

  /** MD5 read as unsigned: keys whose digest has the top bit set, or a leading zero byte, must not go wrong. */
  @Test
  void outgoingExplicitHashKeyIsTheUnsignedBigEndianMd5OfTheFirstPartitionKey() {
    String topBitSet = keyWhoseMd5FirstByte(b -> (b & 0x80) != 0);
    String leadingZero = keyWhoseMd5FirstByte(b -> b == 0);
    String topBitClear = keyWhoseMd5FirstByte(b -> b > 0 && b < 0x80);
    for (String pk : List.of(topBitSet, leadingZero, topBitClear, "€uro", "😀", "ключ")) {
      Aggregator aggregator = Aggregator.builder().build();
      aggregator.add(pk, null, bytes(1));
      aggregator.add("second", null, bytes(1));
      KinesisRecord out = single(aggregator.flush());
      String expected = new BigInteger(1, Oracle.md5(pk.getBytes(UTF_8))).toString();
      assertEquals(expected, out.explicitHashKey(), pk);
      assertTrue(new BigInteger(out.explicitHashKey()).signum() >= 0);
    }
  }

  @Test
  void loneRecordIsSentRawWithItsOwnKeys() {
    Aggregator aggregator = Aggregator.builder().build();
    byte[] data = "just me".getBytes(UTF_8);
    aggregator.add("solo", "42", data);
    KinesisRecord out = single(aggregator.flush());
    assertFalse(out.isAggregated());
    assertEquals("solo", out.partitionKey());
    assertEquals("42", out.explicitHashKey());
    assertEquals(1, out.userRecordCount());
    assertArrayEquals(data, out.dataBytes());
    assertEquals(data.length + 4, out.sizeInBytes());

    aggregator.add("solo", null, data);
    KinesisRecord noEhk = single(aggregator.flush());
    assertFalse(noEhk.isAggregated());
    assertNull(noEhk.explicitHashKey(), "a raw record without an explicit hash key is sent without one");
  }

  @Test
  void loneRecordIsAggregatedWhenConfigured() {
    Aggregator aggregator = Aggregator.builder().aggregateLoneRecords(true).build();
    In r = In.of("solo", null, "just me".getBytes(UTF_8));
    r.addTo(aggregator);
    KinesisRecord out = single(aggregator.flush());
    assertTrue(out.isAggregated());
    assertEquals(Oracle.hashKey("solo", null).toString(), out.explicitHashKey());
    Oracle.assertOutput(out, List.of(r), true, null);
  }

  @Test
  void fixedPartitionKeyIsUsedForAggregatesButRawRecordsKeepTheirs() {
    Aggregator aggregator = Aggregator.builder().fixedPartitionKey("fixed-ключ").build();
    List<In> two = List.of(In.of("first", null, bytes(5)), In.of("second", "7", bytes(6)));
    two.forEach(r -> r.addTo(aggregator));
    KinesisRecord aggregate = single(aggregator.flush());
    assertEquals("fixed-ключ", aggregate.partitionKey());
    assertEquals(Oracle.hashKey("first", null).toString(), aggregate.explicitHashKey(),
        "the aggregate must still land on its first user record's shard");
    Oracle.assertOutput(aggregate, two, false, "fixed-ключ");

    aggregator.add("alone", null, bytes(5));
    KinesisRecord raw = single(aggregator.flush());
    assertFalse(raw.isAggregated());
    assertEquals("alone", raw.partitionKey());
  }

  @Test
  void addWithOffsetAndLengthCopiesOnlyThatRange() {
    Aggregator aggregator = Aggregator.builder().aggregateLoneRecords(true).build();
    byte[] array = "0123456789".getBytes(UTF_8);
    aggregator.add("k", null, array, 3, 4);
    aggregator.add("k", null, array, 10, 0);
    Arrays.fill(array, (byte) 'x'); // copied on add: changing the caller's array afterwards changes nothing
    List<UserRecord> users = Deaggregator.create().deaggregate(single(aggregator.flush()).dataBytes());
    assertEquals("3456", new String(users.get(0).dataBytes(), UTF_8));
    assertEquals(0, users.get(1).dataBytes().length);

    assertThrows(IndexOutOfBoundsException.class, () -> aggregator.add("k", null, array, 8, 3));
    assertThrows(IndexOutOfBoundsException.class, () -> aggregator.add("k", null, array, -1, 2));
    assertThrows(IndexOutOfBoundsException.class, () -> aggregator.add("k", null, array, 2, -1));
    assertEquals(0, aggregator.pendingUserRecordCount());
  }

  @ParameterizedTest
  @ValueSource(strings = {"heap", "heapSlice", "direct", "readOnly", "readOnlyDirect"})
  void addByteBufferCopiesRemainingBytesWithoutMovingThePosition(String kind) {
    byte[] content = "..payload-bytes..".getBytes(UTF_8);
    ByteBuffer buffer = switch (kind) {
      case "heap" -> ByteBuffer.wrap(content);
      case "heapSlice" -> ByteBuffer.wrap(new byte[40], 5, content.length).slice().put(content).flip();
      case "direct" -> ByteBuffer.allocateDirect(content.length).put(content).flip();
      case "readOnly" -> ByteBuffer.wrap(content).asReadOnlyBuffer();
      case "readOnlyDirect" -> ByteBuffer.allocateDirect(content.length).put(content).flip().asReadOnlyBuffer();
      default -> throw new AssertionError(kind);
    };
    buffer.position(2).limit(content.length - 2);
    Aggregator aggregator = Aggregator.builder().aggregateLoneRecords(true).build();
    aggregator.add("k", null, buffer);
    assertEquals(2, buffer.position(), "position must not move");
    assertEquals(content.length - 2, buffer.limit(), "limit must not move");
    aggregator.add("k", null, buffer); // the same bytes again, since nothing moved
    List<UserRecord> users = Deaggregator.create().deaggregate(single(aggregator.flush()).dataBytes());
    assertEquals(2, users.size());
    for (UserRecord user : users) {
      assertEquals("payload-bytes", new String(user.dataBytes(), UTF_8));
    }
  }

  @Test
  void completedRecordIsReturnedAndHandedToTheListenerOnTheCallingThread() {
    List<KinesisRecord> heard = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    Aggregator aggregator = Aggregator.builder()
        .maxRecordSize(200)
        .listener(r -> {
          heard.add(r);
          threads.add(Thread.currentThread());
        })
        .build();
    assertNull(aggregator.add("k", null, bytes(80)));
    assertNull(aggregator.add("k", null, bytes(80)));
    assertTrue(heard.isEmpty());
    KinesisRecord completed = aggregator.add("k", null, bytes(80)); // 2 x 80 + 80 + framing > 200
    assertNotNull(completed);
    assertEquals(1, heard.size());
    assertSame(completed, heard.get(0), "the listener gets the very record the call returns");
    assertSame(Thread.currentThread(), threads.get(0));
    assertEquals(2, completed.userRecordCount());
    List<KinesisRecord> flushed = aggregator.flush();
    assertEquals(2, heard.size());
    assertSame(single(flushed), heard.get(1), "flush hands its records to the listener too");
  }

  /** Issue 15: the completed record went neither to the caller nor back to pending. See AggregatorReshardTest. */
  @Test
  void throwingListenerCarriesTheCompletedRecordAndTheRecordBeingAddedIsAdded() {
    List<KinesisRecord> heard = new ArrayList<>();
    boolean[] fail = {true};
    Aggregator aggregator = Aggregator.builder()
        .maxRecordSize(200)
        .listener(r -> {
          heard.add(r);
          if (fail[0]) {
            fail[0] = false;
            throw new IllegalStateException("listener failed");
          }
        })
        .build();
    List<In> in = List.of(In.of("a", null, bytes(80)), In.of("b", null, bytes(80)), In.of("c", null, bytes(80)));
    in.get(0).addTo(aggregator);
    in.get(1).addTo(aggregator);
    ListenerFailedException e = assertThrows(ListenerFailedException.class, () -> in.get(2).addTo(aggregator));
    assertEquals("listener failed", e.getCause().getMessage());
    assertEquals(1, aggregator.pendingUserRecordCount(), "c was added");
    assertEquals(heard, e.completedRecords());
    assertEquals(heard, e.failedRecords());
    Oracle.assertOutput(single(e.completedRecords()), in.subList(0, 2), false, null); // a and b: not lost
    Oracle.assertOutput(single(aggregator.flush()), in.subList(2, 3), false, null);
  }

  @Test
  void maxUserRecordsPerAggregateCapsTheCount() {
    Aggregator aggregator = Aggregator.builder().maxUserRecordsPerAggregate(3).build();
    List<In> in = new ArrayList<>();
    List<KinesisRecord> out = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      In r = In.of("k" + i, null, bytes(i));
      in.add(r);
      KinesisRecord done = r.addTo(aggregator);
      if (done != null) {
        out.add(done);
      }
    }
    out.addAll(aggregator.flush());
    assertEquals(List.of(3, 3, 1), out.stream().map(KinesisRecord::userRecordCount).toList());
    Oracle.assertOutput(out.get(0), in.subList(0, 3), false, null);
    Oracle.assertOutput(out.get(1), in.subList(3, 6), false, null);
    Oracle.assertOutput(out.get(2), in.subList(6, 7), false, null);

    Aggregator one = Aggregator.builder().maxUserRecordsPerAggregate(1).build();
    assertNull(one.add("a", null, bytes(1)));
    KinesisRecord first = one.add("b", null, bytes(1));
    assertFalse(first.isAggregated(), "with a cap of one, every record is lone and sent raw");
    assertEquals("a", first.partitionKey());
  }

  @Test
  void maxAggregateSizeFillsAggregatesExactlyToItAndSendsBiggerRecordsAlone() {
    AggregateEncoder three = new AggregateEncoder();
    for (int i = 0; i < 3; i++) {
      three.add("k" + i, null, bytes(100));
    }
    int fill = (int) three.size() + 2; // the aggregate goes out under its first user record's key, "k0"
    Aggregator aggregator = Aggregator.builder().maxRecordSize(10_000).maxAggregateSize(fill).build();
    List<In> in = new ArrayList<>();
    List<KinesisRecord> out = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      In r = In.of("k" + i, null, new byte[100]);
      in.add(r);
      KinesisRecord done = r.addTo(aggregator);
      if (done != null) {
        out.add(done);
      }
    }
    assertEquals(List.of(3, 3), out.stream().map(KinesisRecord::userRecordCount).toList());
    assertEquals(fill, out.get(0).sizeInBytes(), "exactly at the fill size");
    Oracle.assertOutput(out.get(0), in.subList(0, 3), false, null);
    Oracle.assertOutput(out.get(1), in.subList(3, 6), false, null);

    // Over the fill size alone but within the record size: out alone, raw, and nothing joins it.
    KinesisRecord seventh = aggregator.add("big", null, bytes(5_000));
    Oracle.assertOutput(seventh, in.subList(6, 7), false, null);
    KinesisRecord big = aggregator.add("after", null, bytes(10));
    assertFalse(big.isAggregated());
    assertEquals(5_003, big.sizeInBytes());
    assertThrows(RecordTooLargeException.class, () -> aggregator.add("huge", null, bytes(10_000)),
        "the record size still decides what is refused");

    Aggregator wrapping = Aggregator.builder().maxRecordSize(10_000).maxAggregateSize(fill)
        .aggregateLoneRecords(true).build();
    assertNull(wrapping.add("big", null, bytes(5_000)));
    KinesisRecord lone = wrapping.add("after", null, bytes(10));
    assertTrue(lone.isAggregated(), "a record that must be aggregated goes as a lone aggregate over the fill size");
    assertEquals(1, lone.userRecordCount());
  }

  @Test
  void maxAggregateSizeIsWithinTheRecordSize() {
    assertThrows(IllegalArgumentException.class, () -> Aggregator.builder().maxAggregateSize(0));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Aggregator.builder().maxRecordSize(1000).maxAggregateSize(1001).build());
    assertEquals("maxAggregateSize (1001) must not exceed maxRecordSize (1000)", e.getMessage());
    Aggregator.builder().maxRecordSize(1000).maxAggregateSize(1000).build();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Validation

  @Test
  void partitionKeyMustHaveOneTo256Characters() {
    Aggregator aggregator = Aggregator.builder().build();
    assertThrows(NullPointerException.class, () -> aggregator.add(null, null, bytes(1)));
    assertThrows(IllegalArgumentException.class, () -> aggregator.add("", null, bytes(1)));
    assertThrows(IllegalArgumentException.class, () -> aggregator.add("x".repeat(257), null, bytes(1)));
    assertThrows(IllegalArgumentException.class, () -> aggregator.add("😀".repeat(129), null, bytes(1)));
    assertEquals(0, aggregator.pendingUserRecordCount());
    aggregator.add("x", null, bytes(1));
    aggregator.add("x".repeat(256), null, bytes(1));
    aggregator.add("€".repeat(256), null, bytes(1)); // 768 UTF-8 bytes
    aggregator.add("😀".repeat(128), null, bytes(1)); // 256 UTF-16 units, 512 UTF-8 bytes
    assertEquals(4, aggregator.pendingUserRecordCount());
    List<UserRecord> users = Deaggregator.create().deaggregate(single(aggregator.flush()).dataBytes());
    assertEquals("€".repeat(256), users.get(2).partitionKey());
    assertEquals("😀".repeat(128), users.get(3).partitionKey());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "+", "-", "-1", "+-1", "1.0", "1e3", "0x10", "1 2", "1\u00a0", "abc",
      "340282366920938463463374607431768211456", "999999999999999999999999999999999999999",
      "1000000000000000000000000000000000000000", "0340282366920938463463374607431768211456"})
  void invalidExplicitHashKeysAreRefusedWithoutChangingAnything(String ehk) {
    Aggregator aggregator = Aggregator.builder().build();
    aggregator.add("before", null, bytes(4));
    assertThrows(IllegalArgumentException.class, () -> aggregator.add("k", ehk, bytes(4)));
    assertEquals(1, aggregator.pendingUserRecordCount());
  }

  @Test
  void canonicalExplicitHashKeysAreAcceptedExactlyWhenBelow2To128() {
    BigInteger max = Oracle.MAX_HASH_KEY;
    Random random = new Random(7);
    List<String> candidates = new ArrayList<>(List.of("0", "1", "9", "10", MAX_HASH_KEY,
        max.subtract(BigInteger.ONE).toString(), max.add(BigInteger.ONE).toString(),
        BigInteger.ONE.shiftLeft(64).toString(), BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE).toString(),
        BigInteger.ONE.shiftLeft(96).toString(), BigInteger.TEN.pow(38).toString(), BigInteger.TEN.pow(39).toString()));
    for (int i = 0; i < 300; i++) {
      candidates.add(new BigInteger(129, random).toString()); // about half above 2^128 - 1
    }
    Aggregator aggregator = Aggregator.builder().build();
    for (String ehk : candidates) {
      boolean valid = new BigInteger(ehk).compareTo(max) <= 0;
      if (valid) {
        aggregator.add("k", ehk, bytes(1));
      } else {
        assertThrows(IllegalArgumentException.class, () -> aggregator.add("k", ehk, bytes(1)), ehk);
      }
    }
    KinesisRecord out = single(aggregator.flush());
    List<UserRecord> users = Deaggregator.create().deaggregate(out.dataBytes());
    List<String> expected = candidates.stream().filter(c -> new BigInteger(c).compareTo(max) <= 0).toList();
    assertEquals(expected, users.stream().map(UserRecord::explicitHashKey).toList());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Size limits

  /**
   * Two user records with a multi-byte key, the second sized so that the aggregate plus the outgoing partition key
   * is exactly the limit: it fits, and one more byte of data does not.
   */
  @ParameterizedTest
  @CsvSource({
      "€, 100, 1048576", // 3 bytes per char
      "😀, 64, 1048576", // 4 bytes per 2 chars
      "é, 256, 1048576", // 2 bytes per char
      "k, 1, 1048576",
      "€, 256, 10485760",
      "€, 85, 5000"})
  void aggregateExactlyAtTheLimitFitsAndOneByteMoreDoesNot(String unit, int repeat, int limit) {
    String key = unit.repeat(repeat);
    In first = In.of(key, null, bytes(1000));
    int exact = dataLengthForSize(limit, d -> List.of(first, In.sized(key, "12345678901234567890", d)),
        Oracle.utf8(key));
    In second = In.of(key, "12345678901234567890", bytes(exact));
    assertEquals(limit, Oracle.aggregateSize(List.of(first, second)) + Oracle.utf8(key), "oracle self-check");

    Aggregator aggregator = Aggregator.builder().maxRecordSize(limit).build();
    assertNull(first.addTo(aggregator));
    assertNull(second.addTo(aggregator), "exactly at the limit must fit");
    KinesisRecord out = single(aggregator.flush());
    assertEquals(limit, out.sizeInBytes());
    Oracle.assertOutput(out, List.of(first, second), false, null);

    In oneMore = In.of(key, "12345678901234567890", bytes(exact + 1));
    assertNull(first.addTo(aggregator));
    KinesisRecord closed = oneMore.addTo(aggregator);
    assertNotNull(closed, "one byte over the limit must not fit");
    Oracle.assertOutput(closed, List.of(first), false, null);
    Oracle.assertOutput(single(aggregator.flush()), List.of(oneMore), false, null);
  }

  @Test
  void outgoingPartitionKeyCountsAgainstTheLimitWithAFixedKey() {
    int limit = 4096;
    String fixed = "€".repeat(200); // 600 bytes
    In first = In.of("a", null, bytes(10));
    int exact = dataLengthForSize(limit, d -> List.of(first, In.sized("b", null, d)), Oracle.utf8(fixed));
    In second = In.of("b", null, bytes(exact));
    assertEquals(limit, Oracle.aggregateSize(List.of(first, second)) + Oracle.utf8(fixed));

    Aggregator aggregator = Aggregator.builder().maxRecordSize(limit).fixedPartitionKey(fixed).build();
    first.addTo(aggregator);
    assertNull(second.addTo(aggregator));
    KinesisRecord out = single(aggregator.flush());
    assertEquals(limit, out.sizeInBytes());
    Oracle.assertOutput(out, List.of(first, second), false, fixed);

    first.addTo(aggregator);
    assertNotNull(In.of("b", null, bytes(exact + 1)).addTo(aggregator));
  }

  @ParameterizedTest
  @ValueSource(strings = {"k", "€€€", "😀", "ключ"})
  void loneRawRecordMayReachTheLimitExactly(String key) {
    int limit = 1_048_576;
    Aggregator aggregator = Aggregator.builder().build();
    byte[] exact = bytes(limit - Oracle.utf8(key));
    aggregator.add("before", null, bytes(1));
    KinesisRecord before = aggregator.add(key, null, exact);
    assertNotNull(before, "the pending record cannot share an aggregate with a record of the limit's size");
    assertEquals("before", before.partitionKey());
    KinesisRecord out = single(aggregator.flush());
    assertFalse(out.isAggregated());
    assertEquals(limit, out.sizeInBytes());
    assertArrayEquals(exact, out.dataBytes());

    aggregator.add("pending", null, bytes(1));
    byte[] over = bytes(limit - Oracle.utf8(key) + 1);
    RecordTooLargeException e = assertThrows(RecordTooLargeException.class, () -> aggregator.add(key, null, over));
    assertEquals(limit + 1, e.size());
    assertEquals(limit, e.limit());
    assertTrue(e.getMessage().contains(String.valueOf(limit + 1)), e.getMessage());
    assertTrue(e.getMessage().contains(String.valueOf(limit)), e.getMessage());
    assertEquals(1, aggregator.pendingUserRecordCount());
    assertEquals("pending", single(aggregator.flush()).partitionKey());
  }

  @Test
  void loneAggregatedRecordMayReachTheLimitExactly() {
    int limit = 1_048_576;
    String key = "€".repeat(10);
    int exact = dataLengthForSize(limit, d -> List.of(In.sized(key, "5", d)), Oracle.utf8(key));
    Aggregator aggregator = Aggregator.builder().aggregateLoneRecords(true).build();
    In r = In.of(key, "5", bytes(exact));
    r.addTo(aggregator);
    KinesisRecord out = single(aggregator.flush());
    assertEquals(limit, out.sizeInBytes());
    Oracle.assertOutput(out, List.of(r), true, null);

    RecordTooLargeException e =
        assertThrows(RecordTooLargeException.class, () -> aggregator.add(key, "5", bytes(exact + 1)));
    assertEquals(limit + 1, e.size(), "size as an aggregate, outgoing key included");
    assertEquals(limit, e.limit());
  }

  /** Raw-only fit: too big to aggregate with its framing, small enough to send raw: sent raw, not refused. */
  @Test
  void recordThatFitsOnlyRawIsSentRaw() {
    int limit = 1000;
    Aggregator aggregator = Aggregator.builder().maxRecordSize(limit).build();
    In small = In.of("s", null, bytes(10));
    In rawOnly = In.of("k", null, bytes(limit - 1)); // raw size exactly 1000
    assertTrue(Oracle.aggregateSize(List.of(rawOnly)) + 1 > limit);
    small.addTo(aggregator);
    KinesisRecord first = rawOnly.addTo(aggregator);
    Oracle.assertOutput(first, List.of(small), false, null);
    KinesisRecord second = small.addTo(aggregator);
    Oracle.assertOutput(second, List.of(rawOnly), false, null);
    assertEquals(limit, second.sizeInBytes());
    Oracle.assertOutput(single(aggregator.flush()), List.of(small), false, null);
  }

  @Test
  void tooLargeRecordChangesNothing() {
    List<KinesisRecord> heard = new ArrayList<>();
    Aggregator aggregator = Aggregator.builder().maxRecordSize(5000).listener(heard::add).build();
    List<In> pending = List.of(In.of("a", null, bytes(2000)), In.of("b", "1", bytes(2000)));
    pending.forEach(r -> r.addTo(aggregator));
    for (Supplier<KinesisRecord> tooLarge : List.<Supplier<KinesisRecord>>of(
        () -> aggregator.add("c", null, bytes(5000)),
        () -> aggregator.add("c", null, bytes(6000), 0, 5000),
        () -> aggregator.add("c", null, ByteBuffer.allocateDirect(5000)))) {
      RecordTooLargeException e = assertThrows(RecordTooLargeException.class, tooLarge::get);
      assertEquals(5000, e.limit());
      assertTrue(e.size() > 5000);
      assertTrue(e.getMessage().contains(String.valueOf(e.size())) && e.getMessage().contains("5000"),
          e.getMessage());
    }
    assertTrue(heard.isEmpty(), "nothing emitted early");
    assertEquals(2, aggregator.pendingUserRecordCount(), "nothing buffered lost");
    Oracle.assertOutput(single(aggregator.flush()), pending, false, null);
  }

  @Test
  void tooLargeAsAggregateIsReportedWithItsAggregatedSize() {
    Aggregator aggregator = Aggregator.builder().maxRecordSize(1000).aggregateLoneRecords(true).build();
    In r = In.of("kéy", "77", bytes(990));
    RecordTooLargeException e = assertThrows(RecordTooLargeException.class, () -> r.addTo(aggregator));
    assertEquals(Oracle.aggregateSize(List.of(r)) + Oracle.utf8("kéy"), e.size());
    assertEquals(1000, e.limit());
  }

  @Test
  void tenMebibyteLimitIsUsableExactly() {
    int limit = 10_485_760;
    String key = "大".repeat(30);
    In a = In.of(key, null, bytes(4 * MIB));
    int exact = dataLengthForSize(limit, d -> List.of(a, In.sized("b", null, d)), Oracle.utf8(key));
    In b = In.of("b", null, bytes(exact));
    Aggregator aggregator = Aggregator.builder().maxRecordSize(limit).build();
    a.addTo(aggregator);
    assertNull(b.addTo(aggregator));
    KinesisRecord out = single(aggregator.flush());
    assertEquals(limit, out.sizeInBytes());
    Oracle.assertOutput(out, List.of(a, b), false, null);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Buffers

  @Test
  void recordsThatAreNeverReleasedStayIntact() {
    Aggregator aggregator = Aggregator.builder().maxRecordSize(3000).build();
    List<In> in = new ArrayList<>();
    List<KinesisRecord> out = new ArrayList<>();
    Random random = new Random(3);
    for (int i = 0; i < 2000; i++) {
      byte[] data = new byte[random.nextInt(700)];
      random.nextBytes(data);
      In r = In.of("key-" + random.nextInt(50), null, data);
      in.add(r);
      KinesisRecord done = r.addTo(aggregator);
      if (done != null) {
        out.add(done);
      }
    }
    out.addAll(aggregator.flush());
    Oracle.assertOutputs(out, in, false); // all checked only now, none released
  }

  @Test
  void releasedBuffersAreReusedAndOutputsStayCorrect() {
    BufferPool pool = BufferPool.heap();
    Aggregator aggregator = Aggregator.builder().maxRecordSize(3000).bufferPool(pool).build();
    Random random = new Random(4);
    List<In> group = new ArrayList<>();
    int outputs = 0;
    for (int i = 0; i < 3000; i++) {
      byte[] data = new byte[random.nextInt(700)];
      random.nextBytes(data);
      In r = In.of("key-" + random.nextInt(50), null, data);
      KinesisRecord done = r.addTo(aggregator);
      if (done != null) {
        Oracle.assertOutput(done, group, false, null);
        outputs++;
        done.release();
        assertTrue(done.isReleased());
        assertThrows(IllegalStateException.class, done::data);
        group.clear();
      }
      group.add(r);
    }
    assertTrue(outputs > 100);
    assertTrue(pool.retainedBytes() > 0, "released aggregates went back to the pool");
    assertTrue(pool.retainedBytes() <= 2 * 4096, "and were reused rather than piling up: " + pool.retainedBytes());
  }

  @Test
  void directPoolProducesDirectRecords() {
    Aggregator aggregator = Aggregator.builder().bufferPool(BufferPool.direct()).build();
    List<In> in = List.of(In.of("a", null, bytes(100)), In.of("b", null, bytes(200)));
    in.forEach(r -> r.addTo(aggregator));
    KinesisRecord out = single(aggregator.flush());
    assertTrue(out.data().isDirect());
    Oracle.assertOutput(out, in, false, null);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Randomized: thousands of user records, a small and a large limit

  @ParameterizedTest
  @CsvSource({"1, 50000", "2, 1048576", "3, 300000"})
  void randomUserRecordsArePackedMaximallyWithinTheLimitAndComeBackInOrder(long seed, int limit) {
    Random random = new Random(seed);
    RandomRecords generator = new RandomRecords(random);
    List<KinesisRecord> heard = new ArrayList<>();
    Aggregator aggregator = Aggregator.builder().maxRecordSize(limit).listener(heard::add).build();
    List<In> accepted = new ArrayList<>();
    int next = 0; // first accepted user record not yet seen in an output
    int outputs = 0;
    int refused = 0;
    for (int i = 0; i < 3000; i++) {
      In r = generator.next();
      long rawSize = (long) r.length() + Oracle.utf8(r.pk());
      KinesisRecord done;
      try {
        done = r.addTo(aggregator);
      } catch (RecordTooLargeException e) {
        assertTrue(rawSize > limit, "refused a record that fits raw: " + r);
        assertEquals(rawSize, e.size());
        assertEquals(accepted.size() - next, aggregator.pendingUserRecordCount());
        refused++;
        continue;
      }
      assertTrue(rawSize <= limit, "accepted a record that can never be sent: " + r);
      accepted.add(r);
      if (done != null) {
        assertSame(done, heard.get(heard.size() - 1));
        List<In> group = accepted.subList(next, next + done.userRecordCount());
        assertEquals(accepted.size() - 1, next + done.userRecordCount(),
            "an add completes the aggregate before it, holding every earlier user record");
        Oracle.assertOutput(done, group, false, null);
        assertMaximal(group, r, limit);
        next += done.userRecordCount();
        outputs++;
        done.release();
      }
    }
    for (KinesisRecord done : aggregator.flush()) {
      Oracle.assertOutput(done, accepted.subList(next, next + done.userRecordCount()), false, null);
      next += done.userRecordCount();
      outputs++;
    }
    assertEquals(accepted.size(), next, "every accepted user record came out, in order");
    assertEquals(outputs, heard.size());
    assertTrue(outputs > 20, "the test should produce many outputs: " + outputs);
    if (limit < 100_000) {
      assertTrue(refused > 0, "the small limit should refuse some records");
    }
  }

  /** The aggregate was closed only because the next user record would not have fit. */
  static void assertMaximal(List<In> group, In nextRecord, int limit) {
    List<In> withNext = new ArrayList<>(group);
    withNext.add(nextRecord);
    long sizeWithNext = Oracle.aggregateSize(withNext) + Oracle.utf8(group.get(0).pk());
    assertTrue(sizeWithNext > limit,
        "closed an aggregate of " + group.size() + " user records although the next fitted: " + sizeWithNext
            + " <= " + limit);
    // The encoder's own prediction agrees with the oracle.
    AggregateEncoder encoder = new AggregateEncoder();
    group.forEach(r -> encoder.add(r.pk(), r.ehk(), r.data()));
    assertEquals(Oracle.aggregateSize(group), encoder.size());
    assertEquals(Oracle.aggregateSize(withNext), encoder.sizeWith(nextRecord.pk(), nextRecord.ehk(), nextRecord.length()));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Helpers

  /** The data length d for which the outgoing size (aggregate of records(d) plus outgoing key) is exactly size. */
  static int dataLengthForSize(int size, java.util.function.IntFunction<List<In>> records, int keyBytes) {
    int guess = size - (int) (Oracle.aggregateSize(records.apply(0)) + keyBytes);
    for (int d = Math.max(0, guess - 10); d <= guess + 10; d++) {
      if (Oracle.aggregateSize(records.apply(d)) + keyBytes == size) {
        return d;
      }
    }
    throw new AssertionError("no data length gives exactly " + size);
  }

  private static String keyWhoseMd5FirstByte(java.util.function.IntPredicate test) {
    for (int i = 0; ; i++) {
      String key = "key-" + i;
      if (test.test(Oracle.md5(key.getBytes(UTF_8))[0] & 0xFF)) {
        return key;
      }
    }
  }

  private static final byte[] PATTERN = new byte[11 * MIB];

  static {
    new Random(42).nextBytes(PATTERN);
  }

  /** length bytes of a fixed random pattern (a fresh array each call). */
  static byte[] bytes(int length) {
    return Arrays.copyOf(PATTERN, length);
  }

  static KinesisRecord single(List<KinesisRecord> records) {
    assertEquals(1, records.size(), "expected exactly one record: " + records);
    return records.get(0);
  }

  /** A user record as the test sees it; data is array[offset, offset + length). */
  record In(String pk, String ehk, byte[] array, int offset, int length) {
    static In of(String pk, String ehk, byte[] data) {
      return new In(pk, ehk, data, 0, data.length);
    }

    /** length bytes of the shared pattern, not copied. */
    static In sized(String pk, String ehk, int length) {
      return new In(pk, ehk, PATTERN, 0, length);
    }

    ByteBuffer data() {
      return ByteBuffer.wrap(array, offset, length);
    }

    byte[] bytes() {
      return Arrays.copyOfRange(array, offset, offset + length);
    }

    KinesisRecord addTo(Aggregator aggregator) {
      return aggregator.add(pk, ehk, array, offset, length);
    }

    @Override
    public String toString() {
      return "In{pk=" + pk + ", ehk=" + ehk + ", length=" + length + "}";
    }
  }

  /** Random user records: key lengths 1..256 chars incl. multi-byte and reused keys, some EHKs, data 0..200 KiB. */
  static final class RandomRecords {
    private static final byte[] POOL = new byte[256 * 1024];

    static {
      new Random(99).nextBytes(POOL);
    }

    private final Random random;
    private final List<String> keys = new ArrayList<>();
    private final List<String> hashKeys = new ArrayList<>(List.of("0", MAX_HASH_KEY));

    RandomRecords(Random random) {
      this.random = random;
    }

    In next() {
      String pk = random.nextInt(3) == 0 && !keys.isEmpty() ? keys.get(random.nextInt(keys.size())) : newKey();
      String ehk = null;
      int e = random.nextInt(10);
      if (e == 0) {
        ehk = hashKeys.get(random.nextInt(hashKeys.size()));
      } else if (e == 1) {
        ehk = new BigInteger(1 + random.nextInt(128), random).toString();
        hashKeys.add(ehk);
      }
      int length;
      int size = random.nextInt(100);
      if (size < 50) {
        length = random.nextInt(1024);
      } else if (size < 85) {
        length = random.nextInt(20 * 1024);
      } else {
        length = random.nextInt(200 * 1024 + 1);
      }
      int offset = random.nextInt(POOL.length - length + 1);
      return new In(pk, ehk, POOL, offset, length);
    }

    private String newKey() {
      int chars = random.nextInt(10) == 0 ? 1 + random.nextInt(256) : 1 + random.nextInt(16);
      StringBuilder key = new StringBuilder();
      while (key.length() < chars) {
        switch (random.nextInt(5)) {
          case 0, 1 -> key.append((char) ('!' + random.nextInt(94)));
          case 2 -> key.append((char) (0xA0 + random.nextInt(0x800 - 0xA0))); // 2 bytes
          case 3 -> key.append((char) (0x800 + random.nextInt(0xD800 - 0x800))); // 3 bytes
          default -> {
            if (key.length() + 2 <= chars) {
              key.appendCodePoint(0x1F300 + random.nextInt(0x300)); // 4 bytes, 2 chars
            } else {
              key.append('z');
            }
          }
        }
      }
      String k = key.toString();
      keys.add(k);
      return k;
    }
  }

  /** The independent oracle: the format, written from KINESIS-FACTS, without any kpl-codec code. */
  static final class Oracle {
    static final BigInteger MAX_HASH_KEY = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
    static final byte[] MAGIC = {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2};

    private Oracle() {}

    static int utf8(String s) {
      return s.getBytes(UTF_8).length;
    }

    static int varint(long v) {
      int n = 1;
      while ((v & ~0x7FL) != 0) {
        v >>>= 7;
        n++;
      }
      return n;
    }

    /** total = 4 + sum(1 + v(len) + len) over both tables + sum(1 + v(L) + L) over records + 16. */
    static long aggregateSize(List<In> records) {
      Map<String, Integer> pks = new HashMap<>();
      Map<String, Integer> ehks = new HashMap<>();
      long size = 4 + 16;
      for (In r : records) {
        Integer p = pks.get(r.pk());
        if (p == null) {
          p = pks.size();
          pks.put(r.pk(), p);
          int n = utf8(r.pk());
          size += 1 + varint(n) + n;
        }
        int e = -1;
        if (r.ehk() != null) {
          Integer known = ehks.get(r.ehk());
          if (known == null) {
            known = ehks.size();
            ehks.put(r.ehk(), known);
            int n = utf8(r.ehk());
            size += 1 + varint(n) + n;
          }
          e = known;
        }
        long body = 1 + varint(p) + (e >= 0 ? 1 + varint(e) : 0) + 1 + varint(r.length()) + r.length();
        size += 1 + varint(body) + body;
      }
      return size;
    }

    /** The aggregated record as protobuf-java and the KPL write it: tables first, then records, then MD5. */
    static byte[] encode(List<In> records) {
      List<String> pks = new ArrayList<>();
      List<String> ehks = new ArrayList<>();
      ByteArrayOutputStream recordFields = new ByteArrayOutputStream();
      for (In r : records) {
        if (!pks.contains(r.pk())) {
          pks.add(r.pk());
        }
        if (r.ehk() != null && !ehks.contains(r.ehk())) {
          ehks.add(r.ehk());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeVarintField(body, 0x08, pks.indexOf(r.pk()));
        if (r.ehk() != null) {
          writeVarintField(body, 0x10, ehks.indexOf(r.ehk()));
        }
        writeBytesField(body, 0x1A, r.bytes());
        writeBytesField(recordFields, 0x1A, body.toByteArray());
      }
      ByteArrayOutputStream message = new ByteArrayOutputStream();
      pks.forEach(k -> writeBytesField(message, 0x0A, k.getBytes(UTF_8)));
      ehks.forEach(k -> writeBytesField(message, 0x12, k.getBytes(UTF_8)));
      message.writeBytes(recordFields.toByteArray());
      return frame(message.toByteArray());
    }

    /** magic | message | MD5(message). */
    static byte[] frame(byte[] message) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      out.writeBytes(MAGIC);
      out.writeBytes(message);
      out.writeBytes(md5(message));
      return out.toByteArray();
    }

    static void writeVarint(ByteArrayOutputStream out, long v) {
      while ((v & ~0x7FL) != 0) {
        out.write((int) ((v & 0x7F) | 0x80));
        v >>>= 7;
      }
      out.write((int) v);
    }

    static void writeVarintField(ByteArrayOutputStream out, int tag, long v) {
      out.write(tag);
      writeVarint(out, v);
    }

    static void writeBytesField(ByteArrayOutputStream out, int tag, byte[] bytes) {
      out.write(tag);
      writeVarint(out, bytes.length);
      out.writeBytes(bytes);
    }

    static byte[] md5(byte[] bytes) {
      try {
        return MessageDigest.getInstance("MD5").digest(bytes);
      } catch (NoSuchAlgorithmException e) {
        throw new AssertionError(e);
      }
    }

    /** The 128-bit hash key Kinesis routes by: the EHK, else MD5(UTF-8 pk) unsigned big-endian. */
    static BigInteger hashKey(String pk, String ehk) {
      return ehk != null ? new BigInteger(ehk) : new BigInteger(1, md5(pk.getBytes(UTF_8)));
    }

    static boolean inRange(BigInteger key, HashKeyRange range) {
      return key.compareTo(new BigInteger(range.startingHashKey())) >= 0
          && key.compareTo(new BigInteger(range.endingHashKey())) <= 0;
    }

    /**
     * Checks one output of an aggregator against the user records it should carry: keys, exact bytes, exact size,
     * and what the Deaggregator gets back from it.
     */
    static void assertOutput(KinesisRecord out, List<In> group, boolean aggregateLoneRecords, String fixedKey) {
      assertFalse(group.isEmpty());
      assertEquals(group.size(), out.userRecordCount(), "user record count");
      In first = group.get(0);
      if (group.size() == 1 && !aggregateLoneRecords) {
        assertAll(
            () -> assertFalse(out.isAggregated(), "a lone record goes raw"),
            () -> assertEquals(first.pk(), out.partitionKey()),
            () -> assertEquals(first.ehk(), out.explicitHashKey()),
            () -> assertArrayEquals(first.bytes(), out.dataBytes()),
            () -> assertEquals(first.length(), out.dataLength()),
            () -> assertEquals((long) first.length() + utf8(first.pk()), out.sizeInBytes()));
        return;
      }
      String outgoingKey = fixedKey != null ? fixedKey : first.pk();
      byte[] expected = encode(group);
      byte[] actual = out.dataBytes();
      assertAll(
          () -> assertTrue(out.isAggregated()),
          () -> assertEquals(outgoingKey, out.partitionKey()),
          () -> assertEquals(hashKey(first.pk(), first.ehk()).toString(), out.explicitHashKey()),
          () -> assertEquals(aggregateSize(group), actual.length, "exact size formula"),
          () -> assertEquals(aggregateSize(group) + utf8(outgoingKey), out.sizeInBytes()),
          () -> assertTrue(Arrays.equals(expected, actual), "bytes differ from the reference encoding"));
      List<UserRecord> users = Deaggregator.create().deaggregate(out.data());
      assertEquals(group.size(), users.size());
      for (int i = 0; i < group.size(); i++) {
        UserRecord user = users.get(i);
        In r = group.get(i);
        if (!user.partitionKey().equals(r.pk()) || !java.util.Objects.equals(user.explicitHashKey(), r.ehk())
            || user.subSequenceNumber() != i || !user.isAggregated() || !user.data().equals(r.data())) {
          fail("user record " + i + " differs: " + user + " vs " + r);
        }
      }
    }

    /** Checks outputs in order against the user records in order (no shard map). */
    static void assertOutputs(List<KinesisRecord> outputs, List<In> in, boolean aggregateLoneRecords) {
      int next = 0;
      for (KinesisRecord out : outputs) {
        assertOutput(out, in.subList(next, next + out.userRecordCount()), aggregateLoneRecords, null);
        next += out.userRecordCount();
      }
      assertEquals(in.size(), next, "every user record came out exactly once");
    }
  }
}
