package io.kplcodec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kplcodec.CorruptAggregateException.Reason;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every buffer kind (heap, heap at an offset, direct) gives the same user records or the same
 * CorruptAggregateException (offset and reason) on any input, valid or mutated, through the reader's canonical fast
 * path, its runs and its error re-walk; {@code internal.CanonicalRecordsTest} holds the fast path to the general one.
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

  @Test
  void runsOfRecordsOfOneSizeReadAsWrittenOnEveryPath() {
    // The reader reads records of the size and shape of the record before in a loop of its own. Runs here cross the
    // record scratch's growth (64, 128, 256 records), end at the message's end, and are broken by an index of 128 or
    // more, an explicit hash key, a record of another size and data of another length. The expected records are
    // the ones added, not another path's result: every path shares the reader.
    List<String[]> added = new ArrayList<>();
    AggregateEncoder encoder = new AggregateEncoder();
    Random random = new Random(11);
    for (int i = 0; i < 700; i++) {
      int key = i < 300 ? i % 16 : i < 400 ? 100 + i % 60 : i % 20; // 300-399 cross index 128
      String explicitHashKey = i % 97 == 50 ? String.valueOf(i) : null;
      int length = i % 131 == 7 ? 63 : i % 149 == 9 ? 65 : 64;
      byte[] data = new byte[length];
      random.nextBytes(data);
      encoder.add("key-" + key, explicitHashKey, data);
      added.add(new String[] {"key-" + key, explicitHashKey, java.util.Arrays.toString(data)});
    }
    byte[] record = encoder.toByteArray();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < added.size(); i++) {
      expected.add(i + ":" + added.get(i)[0] + "/" + added.get(i)[1] + "/" + added.get(i)[2]);
    }
    List<String> plainExpected = new ArrayList<>();
    AggregateEncoder plainEncoder = new AggregateEncoder();
    for (int i = 0; i < 100; i++) {
      plainEncoder.add("k" + i % 2, null, new byte[64]);
      plainExpected.add(i + ":k" + i % 2 + "/null/" + java.util.Arrays.toString(new byte[64]));
    }
    byte[] plain = plainEncoder.toByteArray();
    for (BufferKind kind : BufferKind.values()) {
      assertEquals("records AGGREGATED " + expected, outcome(kind.wrap(record)), kind.toString());
      // The thread's reader is reused: a read without explicit hash keys must not see the last one's.
      assertEquals("records AGGREGATED " + plainExpected, outcome(kind.wrap(plain)), kind.toString());
    }
  }

  @Test
  void anIndexOutOfRangeInARunIsReportedAtItsOwnRecord() {
    // The scan does not keep record offsets; an error report walks the message again to find the record.
    String table = "0a 01 61 ";
    String record = "1a 05 08 00 1a 01 78 ";
    String outOfRange = "1a 05 08 01 1a 01 78 ";
    String withExplicitHashKey = "1a 07 08 00 10 01 1a 01 78 "; // index 1 of an explicit hash key table of 1
    for (int at : new int[] {0, 1, 63, 64, 65, 199}) {
      String protobuf = table + record.repeat(at) + outOfRange + record.repeat(199 - at);
      for (BufferKind kind : BufferKind.values()) {
        HostileInputTest.assertCorrupt(deaggregator, kind, hex(protobuf), Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE,
            4 + 3 + 7 * at, "record " + at);
        HostileInputTest.assertCorrupt(deaggregator, kind,
            hex(table + "12 01 31 " + record.repeat(at) + withExplicitHashKey + record.repeat(3)),
            Reason.EXPLICIT_HASH_KEY_INDEX_OUT_OF_RANGE, 4 + 6 + 7 * at, "record " + at);
      }
    }
    // After a run of records 1a 1e 08 00 1a 1a + 26 bytes: one of the same length whose index takes two bytes,
    // 81 1a (3329), and whose data is one byte shorter. Its first six bytes differ from the run's only in the top bit
    // of the index byte; read as the run's shape, it would have index 129, inside the table of 200.
    String runRecord = "1a 1e 08 00 1a 1a " + "00 ".repeat(26);
    String twoByteIndex = "1a 1e 08 81 1a 1a 19 " + "00 ".repeat(25);
    String protobuf = table.repeat(200) + runRecord.repeat(3) + twoByteIndex;
    for (BufferKind kind : BufferKind.values()) {
      HostileInputTest.assertCorrupt(deaggregator, kind, hex(protobuf), Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE,
          4 + 600 + 32 * 3, "two-byte index after a run");
    }
  }

  private static byte[] hex(String hex) {
    return java.util.HexFormat.of().parseHex(hex.replace(" ", ""));
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
