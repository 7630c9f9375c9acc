package io.kplcodec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The reader takes a fast path for canonical records in heap buffers (a "Perf:" of AggregateReader) and the general
 * path otherwise (direct buffers always). On any input, valid or mutated, both must give the same user records or
 * the same CorruptAggregateException (offset and reason).
 */
class CanonicalFastPathTest {
  private final Deaggregator deaggregator = Deaggregator.create();

  @Test
  void heapAndDirectAgreeOnMutatedAggregates() throws Exception {
    Random random = new Random(42);
    MessageDigest md5 = MessageDigest.getInstance("MD5");
    int differentOutcomes = 0;
    for (int round = 0; round < 3000; round++) {
      byte[] record = randomAggregate(random);
      int mutations = round % 4; // some rounds stay valid
      for (int m = 0; m < mutations; m++) {
        int at = 4 + random.nextInt(record.length - 20);
        switch (random.nextInt(3)) {
          case 0:
            record[at] = (byte) random.nextInt(256);
            break;
          case 1:
            record[at] ^= (byte) (1 << random.nextInt(8));
            break;
          default:
            record[at] = (byte) (0x80 | random.nextInt(128)); // a varint continuation
        }
      }
      md5.update(record, 4, record.length - 20);
      md5.digest(record, record.length - 16, 16);
      String heap = outcome(ByteBuffer.wrap(record));
      String offsetHeap = outcome(BufferKind.HEAP_WITH_OFFSET.wrap(record));
      String direct = outcome(BufferKind.DIRECT.wrap(record));
      assertEquals(direct, heap, "round " + round);
      assertEquals(direct, offsetHeap, "round " + round);
      if (!heap.startsWith("records")) {
        differentOutcomes++;
      }
    }
    assertEquals(true, differentOutcomes > 100, "mutations must reach the error paths: " + differentOutcomes);
  }

  @Test
  void smallRecordsAtEveryOneByteVarintBoundaryReadAlikeOnEveryPath() throws Exception {
    // The reader's small-record path takes records whose length, index and data length are one-byte varints:
    // cross each of those boundaries (data lengths around 122..127, indexes 126..129), valid and truncated.
    AggregateEncoder encoder = new AggregateEncoder();
    Random random = new Random(7);
    for (int index = 0; index < 130; index++) {
      encoder.add("key-" + index, null, new byte[] {(byte) index});
    }
    for (int length = 0; length <= 140; length++) {
      byte[] data = new byte[length];
      random.nextBytes(data);
      encoder.add("key-" + (126 + length % 4), length % 5 == 0 ? "12345" : null, data);
    }
    byte[] record = encoder.toByteArray();
    String direct = outcome(BufferKind.DIRECT.wrap(record));
    assertEquals(true, direct.startsWith("records AGGREGATED"), direct);
    assertEquals(direct, outcome(ByteBuffer.wrap(record)));
    assertEquals(direct, outcome(BufferKind.HEAP_WITH_OFFSET.wrap(record)));
    MessageDigest md5 = MessageDigest.getInstance("MD5");
    for (int cut = 4; cut < record.length - 16; cut += 7) {
      byte[] truncated = java.util.Arrays.copyOf(record, cut + 16);
      md5.update(truncated, 4, cut - 4);
      md5.digest(truncated, cut, 16);
      String expected = outcome(BufferKind.DIRECT.wrap(truncated));
      assertEquals(expected, outcome(ByteBuffer.wrap(truncated)), "cut at " + cut);
      assertEquals(expected, outcome(BufferKind.HEAP_WITH_OFFSET.wrap(truncated)), "cut at " + cut);
    }
  }

  private static byte[] randomAggregate(Random random) {
    AggregateEncoder encoder = new AggregateEncoder();
    int records = 1 + random.nextInt(12);
    for (int i = 0; i < records; i++) {
      String key = "k" + random.nextInt(random.nextBoolean() ? 3 : 300);
      String explicitHashKey = random.nextInt(4) == 0 ? String.valueOf(random.nextInt(1000)) : null;
      byte[] data = new byte[random.nextInt(random.nextBoolean() ? 8 : 300)];
      random.nextBytes(data);
      encoder.add(key, explicitHashKey, data);
    }
    return encoder.toByteArray();
  }

  private String outcome(ByteBuffer record) {
    try {
      List<String> records = new ArrayList<>();
      Classification classification = deaggregator.visit(record, (pk, ehk, source, offset, length, sequence) -> {
        byte[] data = new byte[length];
        source.duplicate().position(offset).get(data);
        records.add(sequence + ":" + pk + "/" + ehk + "/" + java.util.Arrays.toString(data));
      });
      return "records " + classification + " " + records;
    } catch (CorruptAggregateException e) {
      return "corrupt " + e.offset() + " " + e.reason();
    }
  }
}
