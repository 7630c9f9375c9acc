package io.kplcodec.cli;

import io.kplcodec.KinesisRecord;
import io.kplcodec.PutRecordsBatcher;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;

/**
 * The demo's user records and the check that each came back: record {@code id} carries {@code {"id":<id>,...}} in
 * its data, so a reader finds which one it holds; its partition key, explicit hash key and CRC-32 are remembered
 * to compare. Partition keys mix 1- to 4-byte UTF-8 characters; 5% of the records have an explicit hash key; data
 * sizes are mixed (80% up to 150 bytes, 18% up to 1,000, 2% up to 10,000). Deterministic for a seed.
 *
 * <p>Every user record is made up front, so that producing is timed alone. Not thread-safe: {@link #check} is
 * for one consuming thread.
 */
final class DemoWorkload {
  private static final String[] KEY_PREFIXES = {"customer-", "ключ-", "キー", "🔑", "clé/é/", ""};
  private static final byte[] ID_PREFIX = "{\"id\":".getBytes(StandardCharsets.US_ASCII);

  private final Random random;
  private final String[] keys;
  private final int[] keyOf;
  private final String[] explicitHashKeyOf;
  private final int[] crcOf;
  private final int[] lengthOf;
  private final byte[][] data;
  private final int[] seen;
  private long userBytes;

  DemoWorkload(int count, long seed) {
    random = new Random(seed);
    keys = new String[3000];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = KEY_PREFIXES[i % KEY_PREFIXES.length] + i;
    }
    keyOf = new int[count];
    explicitHashKeyOf = new String[count];
    crcOf = new int[count];
    lengthOf = new int[count];
    seen = new int[count];
    data = new byte[count][];
    for (int id = 0; id < count; id++) {
      data[id] = create(id);
    }
  }

  int count() {
    return keyOf.length;
  }

  /** User record {@code id}'s data. */
  byte[] data(int id) {
    return data[id];
  }

  /** Makes user record {@code id} (in order 0, 1, 2, ...: they share one random sequence). */
  private byte[] create(int id) {
    keyOf[id] = random.nextInt(keys.length);
    explicitHashKeyOf[id] = random.nextInt(20) == 0 ? new BigInteger(128, random).toString() : null;
    int roll = random.nextInt(100);
    int padding = roll < 80 ? random.nextInt(150) : roll < 98 ? 150 + random.nextInt(850)
        : 1000 + random.nextInt(9000);
    StringBuilder text = new StringBuilder(padding + 64).append("{\"id\":").append(id)
        .append(",\"customer\":\"").append(keys[keyOf[id]]).append("\",\"note\":\"");
    for (int i = 0; i < padding; i++) {
      text.append((char) ('a' + (id + i) % 26));
    }
    byte[] data = text.append("\"}").toString().getBytes(StandardCharsets.UTF_8);
    CRC32 crc = new CRC32();
    crc.update(data);
    crcOf[id] = (int) crc.getValue();
    lengthOf[id] = data.length;
    userBytes += data.length + partitionKey(id).getBytes(StandardCharsets.UTF_8).length;
    return data;
  }

  String partitionKey(int id) {
    return keys[keyOf[id]];
  }

  String explicitHashKey(int id) {
    return explicitHashKeyOf[id];
  }

  /** Data plus partition key of every user record created, as each would count sent alone. */
  long userBytes() {
    return userBytes;
  }

  /**
   * Records that a reader got user record {@code data} with {@code partitionKey}.
   *
   * @return an error message if it is not one of ours or differs from what was sent, else null
   */
  String check(String partitionKey, ByteBuffer data) {
    int id = idOf(data);
    if (id < 0 || id >= seen.length) {
      return "a user record that was never produced: " + Text.cell(data, 60);
    }
    if (!partitionKey(id).equals(partitionKey)) {
      return "user record " + id + " came back with partition key " + partitionKey + " instead of "
          + partitionKey(id);
    }
    CRC32 crc = new CRC32();
    crc.update(data.duplicate());
    if ((int) crc.getValue() != crcOf[id]) {
      return "user record " + id + " came back with other data";
    }
    seen[id]++;
    return null;
  }

  /** User records never read back. */
  long lost() {
    long lost = 0;
    for (int count : seen) {
      lost += count == 0 ? 1 : 0;
    }
    return lost;
  }

  /** Extra copies read back. */
  long duplicates() {
    long duplicates = 0;
    for (int count : seen) {
      duplicates += Math.max(0, count - 1);
    }
    return duplicates;
  }

  /** PutRecords calls the user records would need sent one per Kinesis record, within the same limits. */
  long callsWithoutAggregation(int maxRequestSize) {
    byte[] zeros = new byte[16 * 1024]; // only sizes matter to the batcher
    List<KinesisRecord> plain = new ArrayList<>(count());
    for (int id = 0; id < count(); id++) {
      plain.add(KinesisRecord.of(partitionKey(id), explicitHashKey(id), ByteBuffer.wrap(zeros, 0, lengthOf[id])));
    }
    return PutRecordsBatcher.builder().maxRequestSize(maxRequestSize).build().split(plain).requests().size();
  }

  /** The id in {@code {"id":123,...}}, or -1. */
  static int idOf(ByteBuffer data) {
    int position = data.position();
    if (data.remaining() < ID_PREFIX.length + 1) {
      return -1;
    }
    for (int i = 0; i < ID_PREFIX.length; i++) {
      if (data.get(position + i) != ID_PREFIX[i]) {
        return -1;
      }
    }
    long id = 0;
    int i = position + ID_PREFIX.length;
    for (; i < data.limit() && data.get(i) >= '0' && data.get(i) <= '9' && id <= Integer.MAX_VALUE; i++) {
      id = id * 10 + (data.get(i) - '0');
    }
    return i == position + ID_PREFIX.length || id > Integer.MAX_VALUE ? -1 : (int) id;
  }
}
