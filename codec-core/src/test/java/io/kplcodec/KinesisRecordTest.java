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
import org.junit.jupiter.api.Test;
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
    assertThrows(IllegalArgumentException.class, () -> KinesisRecord.of("k", "01", new byte[1]));
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
    byte[] copy = record.toByteArray();
    copy[0] = 'j';
    assertArrayEquals("hello".getBytes(UTF_8), record.toByteArray(), "toByteArray is a copy");
  }

  @Test
  void ofByteBufferTakesTheRemainingBytesWithoutMovingThePosition() {
    ByteBuffer buffer = ByteBuffer.wrap("..hello..".getBytes(UTF_8));
    buffer.position(2).limit(7);
    KinesisRecord record = KinesisRecord.of("k", null, buffer);
    assertEquals(2, buffer.position());
    assertEquals(7, buffer.limit());
    buffer.position(5).limit(9); // the caller moving its buffer later does not change the record
    assertArrayEquals("hello".getBytes(UTF_8), record.toByteArray());
    assertEquals(6, record.sizeInBytes());

    ByteBuffer direct = ByteBuffer.allocateDirect(5).put("hello".getBytes(UTF_8)).flip();
    assertArrayEquals("hello".getBytes(UTF_8), KinesisRecord.of("k", null, direct.asReadOnlyBuffer()).toByteArray());
  }

  @Test
  void ofDoesNotCopyTheArray() {
    byte[] array = "hello".getBytes(UTF_8);
    KinesisRecord record = KinesisRecord.of("k", null, array);
    array[0] = 'j';
    assertEquals('j', record.data().get(0));
  }

  @Test
  void afterReleaseTheBytesAreGoneButTheMetadataStays() {
    KinesisRecord record = KinesisRecord.of("ключ", "5", new byte[10]);
    assertFalse(record.isReleased());
    record.release();
    assertTrue(record.isReleased());
    assertThrows(IllegalStateException.class, record::data);
    assertThrows(IllegalStateException.class, record::toByteArray);
    record.release(); // idempotent
    assertTrue(record.isReleased());
    assertEquals(10, record.dataLength());
    assertEquals(18, record.sizeInBytes());
    assertEquals("ключ", record.partitionKey());
    assertTrue(record.toString().contains("released"), record.toString());
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
