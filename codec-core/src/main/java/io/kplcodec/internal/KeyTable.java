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

  /** An empty table. */
  public KeyTable() {}

  /**
   * Index of {@code key}, or -1.
   *
   * @param key the key to look up, not null
   * @return its index in insertion order, or -1 if the table does not hold it
   */
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

  /**
   * Appends a key known to be absent, with its UTF-8 length, and returns its index.
   *
   * @param key the key, not null, not in the table (not checked)
   * @param encodedLength its UTF-8 length in bytes, as {@link Utf8#encodedLength} gives it
   * @return its index: the table's size before the call
   */
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

  /**
   * Bytes one table entry of this UTF-8 length occupies: tag, length varint, bytes.
   *
   * @param encodedLength the key's UTF-8 length in bytes, not negative
   * @return the entry's encoded size in bytes
   */
  public static long fieldSize(int encodedLength) {
    return 1L + Varint.size(encodedLength) + encodedLength;
  }

  /**
   * Number of keys in the table.
   *
   * @return the count, 0 after {@link #clear}
   */
  public int size() {
    return size;
  }

  /**
   * The key at an index.
   *
   * @param index the key's index, 0 to {@link #size()} - 1
   * @return the key, the very string that was added
   */
  public String key(int index) {
    return keys[index];
  }

  /**
   * The UTF-8 length of the key at an index.
   *
   * @param index the key's index, 0 to {@link #size()} - 1
   * @return the length in bytes given when the key was added
   */
  public int encodedLength(int index) {
    return encodedLengths[index];
  }

  /**
   * Whether the key has ASCII characters only.
   *
   * @param index the key's index, 0 to {@link #size()} - 1
   * @return true if it may be written with {@link Utf8#encodeAscii}
   */
  public boolean isAscii(int index) {
    return ascii[index];
  }

  /**
   * Sum of {@link #fieldSize} over all entries.
   *
   * @return the table's encoded size in bytes, 0 when empty
   */
  public long encodedSize() {
    return encodedSize;
  }

  /** Removes every key, keeping the arrays for the next aggregate. */
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
