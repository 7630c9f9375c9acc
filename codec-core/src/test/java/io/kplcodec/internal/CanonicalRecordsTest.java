package io.kplcodec.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.AggregateEncoder;
import io.kplcodec.CorruptAggregateException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The canonical fast path gives the same result as the general path on every input: the same records (indexes, data
 * offsets and lengths) or the same corruption (offset and reason), valid or mutated, at every one-byte varint
 * boundary and across runs of records of one size.
 */
class CanonicalRecordsTest {
  private final AggregateReader fast = new AggregateReader(true);
  private final AggregateReader general = new AggregateReader(false);

  @Test
  void fastAndGeneralPathsAgreeOnMutatedAggregates() {
    Random random = new Random(42);
    int corrupt = 0;
    for (int round = 0; round < 5000; round++) {
      byte[] message = message(random);
      for (int m = round % 4; m > 0; m--) { // some rounds stay valid
        int at = random.nextInt(message.length);
        switch (random.nextInt(3)) {
          case 0:
            message[at] = (byte) random.nextInt(256);
            break;
          case 1:
            message[at] ^= (byte) (1 << random.nextInt(8));
            break;
          default:
            message[at] = (byte) (0x80 | random.nextInt(128)); // a varint continuation
        }
      }
      String expected = outcome(general, message);
      assertEquals(expected, outcome(fast, message), "round " + round);
      corrupt += expected.startsWith("corrupt") ? 1 : 0;
    }
    assertTrue(corrupt > 500, "mutations must reach the error paths: " + corrupt);
  }

  @Test
  void fastAndGeneralPathsAgreeAcrossRunsAndVarintBoundaries() {
    AggregateEncoder encoder = new AggregateEncoder();
    Random random = new Random(7);
    for (int i = 0; i < 700; i++) {
      int key = i < 300 ? i % 16 : i < 400 ? 100 + i % 60 : i % 20; // 300-399 cross index 128
      int length = i < 141 ? i : i % 131 == 7 ? 63 : 64; // data lengths across 127, then runs
      byte[] data = new byte[length];
      random.nextBytes(data);
      encoder.add("key-" + key, i % 97 == 50 ? String.valueOf(i) : null, data);
    }
    byte[] record = encoder.toByteArray();
    byte[] message = java.util.Arrays.copyOfRange(record, 4, record.length - 16);
    String expected = outcome(general, message);
    assertTrue(expected.startsWith("records 700 "), expected.substring(0, 40));
    assertEquals(expected, outcome(fast, message));
    for (int cut = 0; cut < message.length; cut += 5) {
      byte[] truncated = java.util.Arrays.copyOf(message, cut);
      assertEquals(outcome(general, truncated), outcome(fast, truncated), "cut at " + cut);
    }
  }

  private static byte[] message(Random random) {
    AggregateEncoder encoder = new AggregateEncoder();
    int records = 1 + random.nextInt(random.nextInt(10) == 0 ? 200 : 12);
    int size = random.nextInt(random.nextBoolean() ? 8 : 300);
    for (int i = 0; i < records; i++) {
      String key = "k" + random.nextInt(random.nextBoolean() ? 3 : 300);
      String explicitHashKey = random.nextInt(4) == 0 ? String.valueOf(random.nextInt(1000)) : null;
      byte[] data = new byte[random.nextInt(3) == 0 ? random.nextInt(300) : size]; // runs of one size, mostly
      random.nextBytes(data);
      encoder.add(key, explicitHashKey, data);
    }
    byte[] record = encoder.toByteArray();
    return java.util.Arrays.copyOfRange(record, 4, record.length - 16);
  }

  /** What a reader makes of the message: its records, or the corruption it reports. */
  private static String outcome(AggregateReader reader, byte[] message) {
    ByteBuffer buffer = ByteBuffer.wrap(message);
    reader.attach(buffer, 0, message.length);
    try {
      reader.read(0, message.length, 0);
      List<String> records = new ArrayList<>();
      for (int i = 0; i < reader.recordCount(); i++) {
        records.add(reader.partitionKeyIndex(i) + "/" + reader.explicitHashKeyIndex(i) + "/" + reader.dataOffset(i)
            + "+" + reader.dataLength(i));
      }
      return "records " + reader.recordCount() + " " + records;
    } catch (CorruptAggregateException e) {
      return "corrupt " + e.offset() + " " + e.reason();
    } finally {
      reader.clear();
    }
  }
}
