package io.kplcodec.internal;

import java.util.Arrays;

/**
 * An insertion-ordered, deduplicating table of keys (the partition-key or explicit-hash-key table of one aggregate),
 * reused across aggregates so that steady-state aggregation allocates nothing.
 *
 * <p>Open addressing with linear probing; keys compare with {@link String#equals}, as a protobuf-java user would
 * deduplicate them. Not thread-safe.
 */
public final class KeyTable {
  private String[] slots = new String[32];
  private int[] slotIndexes = new int[32];
  private String[] keys = new String[16];
  private int[] encodedLengths = new int[16];
  /** Perf: keys of ASCII characters only, written with one array copy (see {@link Utf8#encodeAscii}). */
  private boolean[] ascii = new boolean[16];
  private int size;
  /** Encoded bytes of all entries as table fields: sum of 1 + v(len) + len. */
  private long encodedSize;

  /** Index of {@code key}, or -1. */
  public int indexOf(String key) {
    int mask = slots.length - 1;
    for (int slot = spread(key.hashCode()) & mask; ; slot = (slot + 1) & mask) {
      String candidate = slots[slot];
      if (candidate == null) {
        return -1;
      }
      if (candidate == key || candidate.equals(key)) {
        return slotIndexes[slot];
      }
    }
  }

  /** Appends a key known to be absent, with its UTF-8 length, and returns its index. */
  public int add(String key, int encodedLength) {
    if (size == keys.length) {
      keys = Arrays.copyOf(keys, size * 2);
      encodedLengths = Arrays.copyOf(encodedLengths, size * 2);
      ascii = Arrays.copyOf(ascii, size * 2);
    }
    if ((size + 1) * 2 > slots.length) {
      rehash(slots.length * 2);
    }
    int index = size++;
    keys[index] = key;
    encodedLengths[index] = encodedLength;
    // Only a key of one byte per char can be ASCII; the scan confirms it (an unpaired surrogate is one byte, too).
    ascii[index] = encodedLength == key.length() && Utf8.isAscii(key);
    encodedSize += fieldSize(encodedLength);
    insert(key, index);
    return index;
  }

  /** Bytes one table entry of this UTF-8 length occupies: tag, length varint, bytes. */
  public static long fieldSize(int encodedLength) {
    return 1L + Varint.size(encodedLength) + encodedLength;
  }

  public int size() {
    return size;
  }

  public String key(int index) {
    return keys[index];
  }

  public int encodedLength(int index) {
    return encodedLengths[index];
  }

  /** Whether the key has ASCII characters only. */
  public boolean isAscii(int index) {
    return ascii[index];
  }

  /** Sum of {@link #fieldSize} over all entries. */
  public long encodedSize() {
    return encodedSize;
  }

  public void clear() {
    if (size == 0) {
      return;
    }
    Arrays.fill(slots, null);
    Arrays.fill(keys, 0, size, null); // let the strings go
    size = 0;
    encodedSize = 0;
  }

  private void insert(String key, int index) {
    int mask = slots.length - 1;
    int slot = spread(key.hashCode()) & mask;
    while (slots[slot] != null) {
      slot = (slot + 1) & mask;
    }
    slots[slot] = key;
    slotIndexes[slot] = index;
  }

  private void rehash(int capacity) {
    slots = new String[capacity];
    slotIndexes = new int[capacity];
    for (int i = 0; i < size; i++) {
      insert(keys[i], i);
    }
  }

  private static int spread(int h) {
    return h ^ (h >>> 16);
  }
}
