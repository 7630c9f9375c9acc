package io.kplcodec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KinesisRecordTest {
  @ParameterizedTest
  @CsvSource({"k, 1", "€uro, 6", "é, 2", "😀, 4", "ключ, 8", "大大大, 9"})
  void sizeInBytesIsDataPlusUtf8PartitionKey(String key, int keyBytes) {
    assertEquals(keyBytes, key.getBytes(UTF_8).length, "fixture");
    KinesisRecord record = KinesisRecord.of(key, null, new byte[100]);
    assertEquals(100 + keyBytes, record.sizeInBytes());
    assertEquals(100, record.dataLength());
  }

  @Test
  void longestKeyOfThreeByteCharactersCounts768Bytes() {
    KinesisRecord record = KinesisRecord.of("€".repeat(256), null, new byte[0]);
    assertEquals(768, record.sizeInBytes());
  }

  @Test
  void plainRecordHasItsKeysAndIsNotAggregated() {
    KinesisRecord record = KinesisRecord.of("pk", "123", "data".getBytes(UTF_8));
    assertEquals("pk", record.partitionKey());
    assertEquals("123", record.explicitHashKey());
    assertEquals(1, record.userRecordCount());
    assertFalse(record.isAggregated());
    assertNull(record.predictedShardId());
    assertNull(KinesisRecord.of("pk", null, new byte[0]).explicitHashKey());
  }

  @Test
  void keysAreValidated() {
    assertThrows(NullPointerException.class, () -> KinesisRecord.of(null, null, new byte[1]));
    assertThrows(IllegalArgumentException.class, () -> KinesisRecord.of("", null, new byte[1]));
    assertThrows(IllegalArgumentException.class, () -> KinesisRecord.of("x".repeat(257), null, new byte[1]));
    assertThrows(IllegalArgumentException.class, () -> KinesisRecord.of("k", "-1", new byte[1]));
    assertThrows(IllegalArgumentException.class, () -> KinesisRecord.of("k", "1e3", new byte[1]));
    // Issue 22: forms the KPL accepts are kept canonical, the only form the service takes.
    assertEquals("1", KinesisRecord.of("k", " +01", new byte[1]).explicitHashKey());
    assertThrows(IllegalArgumentException.class,
        () -> KinesisRecord.of("k", "340282366920938463463374607431768211456", new byte[1]));
    KinesisRecord.of("x".repeat(256), "340282366920938463463374607431768211455", new byte[1]);
  }

  @Test
  void dataIsAReadOnlyViewFromZeroToDataLength() {
    KinesisRecord record = KinesisRecord.of("k", null, "hello".getBytes(UTF_8));
    ByteBuffer data = record.data();
    assertTrue(data.isReadOnly());
    assertEquals(0, data.position());
    assertEquals(5, data.limit());
    assertThrows(ReadOnlyBufferException.class, () -> data.put(0, (byte) 'j'));
    data.position(3);
    assertEquals(0, record.data().position(), "each call gives a fresh view");
    byte[] copy = record.dataBytes();
    copy[0] = 'j';
    assertArrayEquals("hello".getBytes(UTF_8), record.dataBytes(), "toByteArray is a copy");
  }

  /** Issue 15: data() of a pooled record had the pool buffer's capacity, so stale bytes were one limit() away. */
  @ParameterizedTest
  @CsvSource({"false, false", "false, true", "true, false", "true, true"})
  void dataOfAPooledRecordExposesNoByteBeyondTheRecord(boolean direct, boolean aggregated) {
    BufferPool pool = direct ? BufferPool.direct() : BufferPool.heap();
    ByteBuffer stale = pool.acquire(1000);
    while (stale.hasRemaining()) {
      stale.put((byte) 0x77); // a previous owner's bytes
    }
    pool.release(stale);
    Aggregator aggregator = Aggregator.builder().bufferPool(pool).aggregateLoneRecords(aggregated).build();
    aggregator.add("k", null, new byte[100]);
    KinesisRecord record = AggregatorTest.single(aggregator.flush());
    assertEquals(0, pool.retainedBytes(), "fixture: the record reuses the dirty buffer");
    ByteBuffer data = record.data();
    assertTrue(data.isReadOnly());
    assertEquals(direct, data.isDirect());
    assertEquals(0, data.position());
    assertEquals(record.dataLength(), data.limit());
    assertEquals(record.dataLength(), data.capacity(), "bytes past the record are reachable");
    assertArrayEquals(record.dataBytes(), WireVectorsTest.remaining(data));
    record.release();
  }

  @Test
  void ofByteBufferTakesTheRemainingBytesWithoutMovingThePosition() {
    ByteBuffer buffer = ByteBuffer.wrap("..hello..".getBytes(UTF_8));
    buffer.position(2).limit(7);
    KinesisRecord record = KinesisRecord.of("k", null, buffer);
    assertEquals(2, buffer.position());
    assertEquals(7, buffer.limit());
    buffer.position(5).limit(9); // the caller moving its buffer later does not change the record
    assertArrayEquals("hello".getBytes(UTF_8), record.dataBytes());
    assertEquals(6, record.sizeInBytes());

    ByteBuffer direct = ByteBuffer.allocateDirect(5).put("hello".getBytes(UTF_8)).flip();
    assertArrayEquals("hello".getBytes(UTF_8), KinesisRecord.of("k", null, direct.asReadOnlyBuffer()).dataBytes());
  }

  @Test
  void ofDoesNotCopyTheArray() {
    byte[] array = "hello".getBytes(UTF_8);
    KinesisRecord record = KinesisRecord.of("k", null, array);
    array[0] = 'j';
    assertEquals('j', record.data().get(0));
  }

  @Test
  void aReleasedRecordIsGoneEveryAccessorThrows() {
    KinesisRecord record = KinesisRecord.of("ключ", "5", new byte[10]);
    assertFalse(record.isReleased());
    record.release();
    assertTrue(record.isReleased());
    for (Executable accessor : new Executable[] {record::data, record::dataBytes, record::partitionKey,
        record::explicitHashKey, record::dataLength, record::sizeInBytes, record::userRecordCount,
        record::isAggregated, record::predictedShardId}) {
      IllegalStateException e = assertThrows(IllegalStateException.class, accessor);
      assertEquals("This record was released; its buffer may already hold another record", e.getMessage());
    }
    record.release(); // idempotent
    assertTrue(record.isReleased());
    assertEquals("KinesisRecord{released}", record.toString());
  }

  /** Pins the slot recycling of issue 6: a handle kept past its release must never see the slot's next record. */
  @Test
  void aHandleKeptPastReleaseNeitherSeesNorReleasesTheRecordThatReusesItsSlot() {
    BufferPool pool = BufferPool.heap();
    Aggregator aggregator = Aggregator.builder().bufferPool(pool).aggregateLoneRecords(true).build();
    aggregator.add("first", null, new byte[100]);
    KinesisRecord stale = AggregatorTest.single(aggregator.flush());
    stale.release();
    aggregator.add("second", null, new byte[200]);
    KinesisRecord next = AggregatorTest.single(aggregator.flush());

    assertThrows(IllegalStateException.class, stale::partitionKey);
    assertThrows(IllegalStateException.class, stale::dataLength);
    assertEquals("KinesisRecord{released}", stale.toString());
    stale.release();
    assertFalse(next.isReleased(), "releasing the stale handle again must not end the slot's new record");
    assertEquals("second", next.partitionKey());
    assertEquals(1, Deaggregator.create().deaggregate(next.data()).size());
    next.release();
    assertTrue(next.isReleased());
  }

  /**
   * A record read on one thread while another releases it and the aggregator reuses its slot: every read gives the
   * record's own value or throws, never the next record's (the slot's check after each read).
   */
  @Test
  void readsRacingAReleaseNeverReturnTheNextRecordsValues() throws Exception {
    Aggregator aggregator = Aggregator.builder().build(); // lone records go out raw: data length is the user's
    int rounds = 20_000;
    record Issued(KinesisRecord record, String partitionKey, int dataLength) {}
    AtomicReference<Issued> current = new AtomicReference<>();
    AtomicReference<String> wrong = new AtomicReference<>();
    AtomicBoolean writing = new AtomicBoolean(true);
    Thread reader = new Thread(() -> {
      while (writing.get() && wrong.get() == null) {
        Issued issued = current.get();
        if (issued == null) {
          continue;
        }
        try {
          String key = issued.record().partitionKey();
          if (!key.equals(issued.partitionKey())) {
            wrong.set("partition key " + key + " instead of " + issued.partitionKey());
          }
        } catch (IllegalStateException released) {
          // expected whenever the release won the race
        } catch (RuntimeException e) {
          wrong.set(e.toString()); // a cleared field read as if live
        }
        try {
          int length = issued.record().dataLength();
          if (length != issued.dataLength()) {
            wrong.set("data length " + length + " instead of " + issued.dataLength());
          }
        } catch (IllegalStateException released) {
          // expected whenever the release won the race
        }
      }
    });
    reader.start();
    for (int i = 0; i < rounds; i++) {
      aggregator.add(Integer.toString(i), null, new byte[i % 1000 + 1]);
      KinesisRecord record = AggregatorTest.single(aggregator.flush());
      current.set(new Issued(record, Integer.toString(i), i % 1000 + 1));
      record.release(); // the next round's record reuses this slot
    }
    writing.set(false);
    reader.join();
    assertNull(wrong.get(), "a released handle returned its slot's next record");
  }

  @Test
  void releasingAnAggregatorRecordReturnsItsBufferToThePoolOnce() throws Exception {
    BufferPool pool = BufferPool.heap();
    Aggregator aggregator = Aggregator.builder().bufferPool(pool).build();
    aggregator.add("a", null, new byte[3000]);
    aggregator.add("b", null, new byte[3000]);
    KinesisRecord record = AggregatorTest.single(aggregator.flush());
    assertEquals(0, pool.retainedBytes());
    Thread other = new Thread(record::release); // release may happen on any thread
    other.start();
    other.join();
    assertTrue(record.isReleased());
    assertEquals(8192, pool.retainedBytes(), "the aggregate's 8 KiB buffer went back");
    record.release();
    assertEquals(8192, pool.retainedBytes(), "a second release does not give it back twice");
    assertThrows(IllegalStateException.class, record::data);

    aggregator.add("c", null, new byte[3000]);
    aggregator.add("d", null, new byte[3000]);
    KinesisRecord next = AggregatorTest.single(aggregator.flush());
    assertEquals(0, pool.retainedBytes(), "the next aggregate reused it");
    assertEquals(2, Deaggregator.create().deaggregate(next.data()).size());
  }

  /**
   * The README's claim: a steady producer (add, send, release) allocates under 1 byte per user record, also at
   * 32 KiB in 1 MiB aggregates (31 per aggregate), as a released record's slot and buffer are both reused: only the
   * 16-byte handle is new. Sixteen partition keys, "partition-key-0" to "-15": direct-mapped, the aggregator's cache
   * of decimal hash keys had two of them in one slot, and formatted their strings anew for every aggregate.
   */
  @ParameterizedTest
  @CsvSource({"false, 32768, 1048576", "true, 32768, 1048576", "false, 1024, 32768", "true, 1024, 32768"})
  void steadyStateAggregationAllocatesUnderOneBytePerUserRecord(boolean direct, int dataLength, int maxRecordSize) {
    Aggregator aggregator = Aggregator.builder().maxRecordSize(maxRecordSize)
        .bufferPool(direct ? BufferPool.direct() : BufferPool.heap()).build();
    byte[] data = new byte[dataLength];
    int userRecords = (128 << 20) / dataLength;
    addAndRelease(aggregator, data, userRecords); // fills the pool and the free slots
    long overhead = Long.MAX_VALUE; // of the measurement itself
    for (int i = 0; i < 10; i++) {
      overhead = Math.min(overhead, -ThreadAllocation.allocatedBytes() + ThreadAllocation.allocatedBytes());
    }
    long before = ThreadAllocation.allocatedBytes();
    addAndRelease(aggregator, data, userRecords);
    long allocated = ThreadAllocation.allocatedBytes() - before - overhead;
    if (before >= 0) {
      assertTrue(allocated < userRecords, allocated + " bytes allocated for " + userRecords + " user records");
    }
  }

  private static final String[] KEYS = java.util.stream.IntStream.range(0, 16)
      .mapToObj(i -> "partition-key-" + i).toArray(String[]::new);

  private static void addAndRelease(Aggregator aggregator, byte[] data, int userRecords) {
    for (int i = 0; i < userRecords; i++) {
      KinesisRecord completed = aggregator.add(KEYS[i % KEYS.length], null, data);
      if (completed != null) {
        completed.release();
      }
    }
  }

  @Test
  void concurrentReleasesReturnTheBufferOnce() throws Exception {
    BufferPool pool = BufferPool.heap();
    for (int round = 0; round < 200; round++) {
      Aggregator aggregator = Aggregator.builder().bufferPool(pool).aggregateLoneRecords(true).build();
      aggregator.add("a", null, new byte[100]);
      KinesisRecord record = AggregatorTest.single(aggregator.flush());
      Thread[] threads = new Thread[4];
      for (int i = 0; i < threads.length; i++) {
        threads[i] = new Thread(record::release);
        threads[i].start();
      }
      for (Thread t : threads) {
        t.join();
      }
      assertEquals(1024, pool.retainedBytes());
      pool.acquire(100); // take it out again for the next round
    }
  }
}
