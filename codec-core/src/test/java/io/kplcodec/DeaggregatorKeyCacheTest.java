package io.kplcodec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The deaggregator's per-thread cache of decoded partition keys (a "Perf:" of the reader) may save allocations but
 * must never hand out a wrong key: not across aggregates, buffer kinds, non-ASCII keys, invalid UTF-8 or slot
 * collisions. And its scratch, kept while huge aggregates keep coming, must never leak one aggregate into the next.
 */
class DeaggregatorKeyCacheTest {
  private final Deaggregator deaggregator = Deaggregator.create();

  @Test
  void aStreamReusingItsKeysGetsTheSameStringsBack() {
    byte[] first = aggregate(List.of("device-1", "device-2", "a-36-character-key-like-a-uuid-00000"), 1);
    byte[] second = aggregate(List.of("a-36-character-key-like-a-uuid-00000", "device-2", "device-1"), 2);
    List<String> firstKeys = keys(ByteBuffer.wrap(first));
    List<String> secondKeys = keys(ByteBuffer.wrap(second));
    assertEquals(List.of("device-1", "device-2", "a-36-character-key-like-a-uuid-00000"), firstKeys);
    assertSame(firstKeys.get(0), secondKeys.get(2), "decoded once, not once per aggregate");
    assertSame(firstKeys.get(2), secondKeys.get(0));
  }

  /**
   * Pins the four-way sets: with two ways, three of 16 UUID keys shared a set for about one key set in seven, and
   * those keys were decoded anew on every read (a new string per user record with such a key).
   */
  @Test
  void sixteenHotUuidKeysAreAllDecodedOnceWhateverTheirHashes() {
    Random random = new Random(6);
    for (int keySet = 0; keySet < 100; keySet++) {
      List<String> keys = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        keys.add(new UUID(random.nextLong(), random.nextLong()).toString());
      }
      ByteBuffer record = ByteBuffer.wrap(aggregate(keys, keySet));
      List<String> first = keys(record);
      List<String> second = keys(record);
      assertEquals(keys, second);
      for (int i = 0; i < keys.size(); i++) {
        assertSame(first.get(i), second.get(i), "key set " + keySet + ", key " + i + " decoded again");
      }
    }
  }

  @Test
  void everyKeyIsRightWhateverWasDecodedBefore() {
    Random random = new Random(20261121);
    for (BufferKind kind : BufferKind.values()) {
      for (int round = 0; round < 200; round++) {
        List<String> keys = new ArrayList<>();
        int n = 1 + random.nextInt(40);
        for (int i = 0; i < n; i++) {
          keys.add(randomKey(random));
        }
        byte[] record = aggregate(keys, round);
        assertEquals(keys, keys(kind.wrap(record)), kind + " round " + round);
      }
    }
  }

  @Test
  void invalidUtf8IsDecodedAnewNotTakenFromTheCache() {
    // Keys "?" and U+FFFD first, then raw bytes that decode to U+FFFD: an ASCII-only match cannot confuse them.
    assertEquals(List.of("?", "\uFFFD"), keys(ByteBuffer.wrap(aggregate(List.of("?", "\uFFFD"), 0))));
    for (byte[] key : new byte[][] {{(byte) 0xFF}, {(byte) 0xC3}, {'a', (byte) 0x80, 'b'}, {(byte) 0xEF, (byte) 0xBF}}) {
      String expected = new String(key, StandardCharsets.UTF_8);
      for (int i = 0; i < 2; i++) {
        assertEquals(List.of(expected), keys(ByteBuffer.wrap(rawAggregate(key))));
      }
    }
  }

  @Test
  void keysOfEveryLengthAroundTheCachedLimitAndTheEightByteHash() {
    for (int length : new int[] {1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 256}) {
      String a = "k".repeat(length);
      String b = "k".repeat(length - 1) + "j";
      String c = "j" + "k".repeat(length - 1);
      for (int i = 0; i < 3; i++) {
        assertEquals(List.of(a, b, c), keys(ByteBuffer.wrap(aggregate(List.of(a, b, c), i))));
        assertEquals(List.of(c, a), keys(ByteBuffer.wrap(aggregate(List.of(c, a), i))));
      }
    }
  }

  @Test
  void scratchKeptForHugeAggregatesNeverLeaksIntoTheNext() {
    List<String> many = new ArrayList<>();
    for (int i = 0; i < 70_000; i++) {
      many.add("key-" + i);
    }
    byte[] huge = aggregate(many, 0);
    for (int round = 0; round < 3; round++) {
      assertEquals(many, keys(ByteBuffer.wrap(huge)));
      for (int small = 0; small < 20; small++) {
        assertEquals(List.of("x", "y"), keys(ByteBuffer.wrap(aggregate(List.of("x", "y"), small))));
      }
    }
  }

  /** One user record per key, each with data {@code seed}, in order. */
  private static byte[] aggregate(List<String> keys, int seed) {
    AggregateEncoder encoder = new AggregateEncoder();
    for (String key : keys) {
      encoder.add(key, null, new byte[] {(byte) seed});
    }
    return encoder.toByteArray();
  }

  /** An aggregate whose only partition key has these raw bytes (possibly invalid UTF-8), and one record. */
  private static byte[] rawAggregate(byte[] key) {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    message.write(0x0A);
    message.write(key.length);
    message.writeBytes(key);
    message.writeBytes(new byte[] {0x1A, 5, 0x08, 0x00, 0x1A, 0x01, 'x'});
    byte[] body = message.toByteArray();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2});
    out.writeBytes(body);
    try {
      out.writeBytes(MessageDigest.getInstance("MD5").digest(body));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
    return out.toByteArray();
  }

  private List<String> keys(ByteBuffer record) {
    List<String> keys = new ArrayList<>();
    assertEquals(Classification.AGGREGATED,
        deaggregator.visit(record, (partitionKey, explicitHashKey, source, offset, length, sequence) ->
            keys.add(partitionKey)));
    return keys;
  }

  /** ASCII, Latin-1, BMP and supplementary characters; lengths on both sides of the cache's limits. */
  private static String randomKey(Random random) {
    int length = 1 + random.nextInt(random.nextBoolean() ? 12 : 80);
    StringBuilder key = new StringBuilder();
    for (int i = 0; i < length; i++) {
      switch (random.nextInt(8)) {
        case 0:
          key.append((char) (0xA0 + random.nextInt(0x60)));
          break;
        case 1:
          key.append((char) (0x4E00 + random.nextInt(100)));
          break;
        case 2:
          key.appendCodePoint(0x1F600 + random.nextInt(50));
          break;
        default:
          key.append((char) ('a' + random.nextInt(3))); // few letters: many keys share bytes and slots
      }
    }
    return key.toString();
  }
}
