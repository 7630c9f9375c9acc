package io.kplcodec.flink;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * The end-to-end test's user records, each a pure function of its id so that a reader can check every byte: mixed
 * sizes (mostly small, some kilobytes, a few of 100-200 KB) and mixed keys (hot keys with multi-byte characters,
 * unique keys, 5% explicit hash keys anywhere in the key space).
 */
final class TestRecords {
  private TestRecords() {}

  static String partitionKey(long id) {
    SplittableRandom random = new SplittableRandom(id * 0x9E3779B97F4A7C15L);
    int kind = random.nextInt(20);
    if (kind < 11) {
      return "hot-" + random.nextInt(64) + "-ключ";
    }
    if (kind < 19) {
      return "user-" + id;
    }
    return "€😀-" + random.nextInt(1000);
  }

  static String explicitHashKey(long id) {
    SplittableRandom random = new SplittableRandom(id * 0xC2B2AE3D27D4EB4FL);
    if (random.nextInt(20) != 0) {
      return null;
    }
    return new BigInteger(128, new java.util.Random(random.nextLong())).toString();
  }

  /** "id|" then filler bytes that depend on the id and position. */
  static byte[] data(long id) {
    SplittableRandom random = new SplittableRandom(id * 0x165667B19E3779F9L);
    int roll = random.nextInt(10_000);
    int size = roll < 8_000 ? 20 + random.nextInt(280)
        : roll < 9_800 ? 300 + random.nextInt(1_200)
        : roll < 9_995 ? 3_000 + random.nextInt(7_000)
        : 100_000 + random.nextInt(100_000);
    byte[] head = (id + "|").getBytes(StandardCharsets.US_ASCII);
    byte[] data = new byte[Math.max(size, head.length)];
    System.arraycopy(head, 0, data, 0, head.length);
    for (int i = head.length; i < data.length; i++) {
      data[i] = (byte) (id * 31 + i * 7);
    }
    return data;
  }

  /** The id a user record's data starts with. */
  static int idOf(byte[] data) {
    int id = 0;
    for (int i = 0; data[i] != '|'; i++) {
      id = id * 10 + (data[i] - '0');
    }
    return id;
  }
}
