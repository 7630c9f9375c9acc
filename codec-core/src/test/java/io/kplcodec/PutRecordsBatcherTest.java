package io.kplcodec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.AggregatorTest.In;
import io.kplcodec.AggregatorTest.Oracle;
import io.kplcodec.AggregatorTest.RandomRecords;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** PutRecords batching: entry and byte limits (data plus UTF-8 partition keys, counted by the test), order, oversize. */
class PutRecordsBatcherTest {
  private static final int MIB = 1 << 20;
  private static final byte[] SHARED = new byte[11 * MIB]; // KinesisRecord.of does not copy: one array serves all

  private static KinesisRecord recordOfSize(String key, long size) {
    return KinesisRecord.of(key, null, java.nio.ByteBuffer.wrap(SHARED, 0, (int) (size - Oracle.utf8(key))));
  }

  private static long bytesOf(List<KinesisRecord> request) {
    long total = 0;
    for (KinesisRecord r : request) {
      total += r.dataLength() + Oracle.utf8(r.partitionKey());
    }
    return total;
  }

  /** Requests in order, none empty, none over the limits; concatenated they are the input (identity). */
  private static void assertValid(PutRecordsBatcher.Batches batches, List<KinesisRecord> expected, int maxEntries,
      long maxBytes) {
    List<KinesisRecord> all = new ArrayList<>();
    for (List<KinesisRecord> request : batches.requests()) {
      assertTrue(!request.isEmpty(), "no empty request");
      assertTrue(request.size() <= maxEntries, "entries: " + request.size());
      assertTrue(bytesOf(request) <= maxBytes, "bytes: " + bytesOf(request));
      all.addAll(request);
    }
    assertEquals(expected.size(), all.size());
    for (int i = 0; i < all.size(); i++) {
      assertSame(expected.get(i), all.get(i), "record " + i + " out of order");
    }
  }

  @Test
  void atMost500EntriesPerRequestInOrder() {
    List<KinesisRecord> records = new ArrayList<>();
    for (int i = 0; i < 1201; i++) {
      records.add(KinesisRecord.of("k" + i, null, ("v" + i).getBytes(UTF_8)));
    }
    PutRecordsBatcher.Batches batches = PutRecordsBatcher.builder().build().split(records);
    assertEquals(List.of(500, 500, 201), batches.requests().stream().map(List::size).toList());
    assertValid(batches, records, 500, 5 * MIB);
    assertTrue(batches.rejected().isEmpty());

    PutRecordsBatcher threes = PutRecordsBatcher.builder().maxEntriesPerRequest(3).build();
    assertEquals(List.of(3, 3, 1), threes.split(records.subList(0, 7)).requests().stream().map(List::size).toList());
  }

  @Test
  void emptyInputGivesNoRequests() {
    PutRecordsBatcher.Batches batches = PutRecordsBatcher.builder().build().split(List.of());
    assertTrue(batches.requests().isEmpty());
    assertTrue(batches.rejected().isEmpty());
  }

  @Test
  void defaultRequestLimitIsFiveMebibytesIncludingPartitionKeys() {
    // Records of exactly 1 MiB each, counting a 3-byte key: five fill a request exactly.
    List<KinesisRecord> records = new ArrayList<>();
    for (int i = 0; i < 11; i++) {
      records.add(recordOfSize("€", MIB));
    }
    PutRecordsBatcher.Batches batches = PutRecordsBatcher.builder().build().split(records);
    assertEquals(List.of(5, 5, 1), batches.requests().stream().map(List::size).toList());
    assertEquals(5L * MIB, bytesOf(batches.requests().get(0)));
    assertValid(batches, records, 500, 5 * MIB);
  }

  @Test
  void requestExactlyAtTheByteLimitFitsAndOneByteMoreDoesNot() {
    PutRecordsBatcher batcher = PutRecordsBatcher.builder().maxRequestSize(1000).maxRecordSize(1000).build();
    String key = "€€"; // 6 bytes, 2 chars
    List<KinesisRecord> exact = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      exact.add(KinesisRecord.of(key, null, new byte[94])); // 100 bytes with its key
    }
    assertEquals(List.of(10), batcher.split(exact).requests().stream().map(List::size).toList());

    List<KinesisRecord> oneMore = new ArrayList<>(exact);
    oneMore.set(9, KinesisRecord.of(key, null, new byte[95]));
    PutRecordsBatcher.Batches batches = batcher.split(oneMore);
    assertEquals(List.of(9, 1), batches.requests().stream().map(List::size).toList());
    assertValid(batches, oneMore, 500, 1000);
  }

  @Test
  void tenMebibyteRequestsAndRecordsAreAllowed() {
    PutRecordsBatcher batcher =
        PutRecordsBatcher.builder().maxRequestSize(10 * (int) MIB).maxRecordSize(10 * (int) MIB).build();
    List<KinesisRecord> records = List.of(recordOfSize("k", 10L * MIB), recordOfSize("ключ", 6L * MIB),
        recordOfSize("k", 4L * MIB), recordOfSize("k", 1));
    PutRecordsBatcher.Batches batches = batcher.split(records);
    assertEquals(List.of(1, 2, 1), batches.requests().stream().map(List::size).toList());
    assertValid(batches, records, 500, 10L * MIB);
    assertThrows(IllegalArgumentException.class, () -> PutRecordsBatcher.builder().maxRequestSize(10 * (int) MIB + 1));
    assertThrows(IllegalArgumentException.class, () -> PutRecordsBatcher.builder().maxRecordSize(10 * (int) MIB + 1));
    assertThrows(IllegalArgumentException.class, () -> PutRecordsBatcher.builder().maxRequestSize(0));
    assertThrows(IllegalArgumentException.class, () -> PutRecordsBatcher.builder().maxEntriesPerRequest(501));
    assertThrows(IllegalArgumentException.class, () -> PutRecordsBatcher.builder().maxEntriesPerRequest(0));
  }

  @Test
  void oversizeRecordThrowsNamingItsSizeAndTheLimit() {
    KinesisRecord over = recordOfSize("€", MIB + 1);
    List<KinesisRecord> records = List.of(recordOfSize("a", 10), over, recordOfSize("b", 10));
    RecordTooLargeException e =
        assertThrows(RecordTooLargeException.class, () -> PutRecordsBatcher.builder().build().split(records));
    assertEquals(MIB + 1, e.size());
    assertEquals(MIB, e.limit());
    assertTrue(e.getMessage().contains(String.valueOf(MIB + 1)) && e.getMessage().contains(String.valueOf(MIB)),
        e.getMessage());
    // Exactly at the record limit is fine.
    assertEquals(1, PutRecordsBatcher.builder().build().split(List.of(recordOfSize("€", MIB))).requests().size());
  }

  @Test
  void recordOverTheRequestLimitIsOversizeToo() {
    PutRecordsBatcher batcher = PutRecordsBatcher.builder().maxRecordSize(10 * (int) MIB).build(); // requests 5 MiB
    RecordTooLargeException e = assertThrows(RecordTooLargeException.class,
        () -> batcher.split(List.of(recordOfSize("k", 5L * MIB + 1))));
    assertEquals(5L * MIB, e.limit());
  }

  @Test
  void rejectedRecordsAreListedInOrderAndTheRestBatched() {
    PutRecordsBatcher batcher =
        PutRecordsBatcher.builder().maxRequestSize(300).maxRecordSize(200).rejectOversizeRecords(true).build();
    List<KinesisRecord> records = List.of(recordOfSize("a", 100), recordOfSize("b", 201), recordOfSize("c", 200),
        recordOfSize("d", 500), recordOfSize("é", 100), recordOfSize("f", 1));
    PutRecordsBatcher.Batches batches = batcher.split(records);
    assertEquals(List.of(records.get(1), records.get(3)), batches.rejected());
    List<KinesisRecord> sendable = List.of(records.get(0), records.get(2), records.get(4), records.get(5));
    assertValid(batches, sendable, 500, 300);
    assertThrows(UnsupportedOperationException.class, () -> batches.requests().add(List.of()));
    assertThrows(UnsupportedOperationException.class, () -> batches.rejected().clear());
    assertThrows(UnsupportedOperationException.class, () -> batches.requests().get(0).clear());
  }

  @Test
  void aggregatorOutputIsBatchedWithinLimits() {
    Aggregator aggregator = Aggregator.builder().build();
    RandomRecords generator = new RandomRecords(new Random(8));
    List<KinesisRecord> outputs = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      In r = generator.next();
      KinesisRecord done = r.addTo(aggregator);
      if (done != null) {
        outputs.add(done);
      }
    }
    outputs.addAll(aggregator.flush());
    for (int i = 0; i < 600; i++) { // and plain records mixed in, to pass 500 entries
      outputs.add(KinesisRecord.of("plain-" + i, null, new byte[i]));
    }
    PutRecordsBatcher.Batches batches = PutRecordsBatcher.builder().build().split(outputs);
    assertTrue(batches.requests().size() > 10);
    assertValid(batches, outputs, 500, 5 * MIB);
    for (KinesisRecord out : outputs) {
      assertEquals(out.dataLength() + Oracle.utf8(out.partitionKey()), out.sizeInBytes());
    }
  }

  @Test
  void aReleasedRecordIsRefusedNotBatched() {
    KinesisRecord record = KinesisRecord.of("k", null, new byte[10]);
    record.release();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> PutRecordsBatcher.builder().build().split(List.of(record)));
    assertEquals("This record was released; its buffer may already hold another record", e.getMessage());
  }
}
