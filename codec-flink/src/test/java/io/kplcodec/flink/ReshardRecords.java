package io.kplcodec.flink;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * The reshard test's user records, each a pure function of its id: 20,000 partition keys (a tenth of them 200-256
 * characters long, a tenth with multi-byte characters), 1% explicit hash keys anywhere in the key space, and data of
 * 30-500 bytes that starts with the id.
 */
final class ReshardRecords {
  static final int KEYS = 20_000;

  private ReshardRecords() {}

  static String partitionKey(long id) {
    int key = new SplittableRandom(id * 0x9E3779B97F4A7C15L).nextInt(KEYS);
    if (key % 10 == 0) {
      StringBuilder longKey = new StringBuilder("long-").append(key).append('-');
      int length = 200 + key % 57;
      while (longKey.length() < length) {
        longKey.append((char) ('a' + longKey.length() % 26));
      }
      return longKey.toString();
    }
    if (key % 10 == 1) {
      return "ключ-€😀-" + key;
    }
    return "key-" + key;
  }

  static String explicitHashKey(long id) {
    SplittableRandom random = new SplittableRandom(id * 0xC2B2AE3D27D4EB4FL);
    if (random.nextInt(100) != 0) {
      return null;
    }
    return new BigInteger(128, new Random(random.nextLong())).toString();
  }

  static byte[] data(long id) {
    SplittableRandom random = new SplittableRandom(id * 0x165667B19E3779F9L);
    byte[] head = (id + "|").getBytes(StandardCharsets.US_ASCII);
    byte[] data = new byte[Math.max(30 + random.nextInt(470), head.length)];
    System.arraycopy(head, 0, data, 0, head.length);
    for (int i = head.length; i < data.length; i++) {
      data[i] = (byte) (id * 31 + i * 7);
    }
    return data;
  }
}
