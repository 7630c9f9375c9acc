package io.kplcodec.internal;

import java.util.Arrays;

/**
 * The entries of one key table of an aggregate as read: where each entry's UTF-8 bytes are, and its string once
 * decoded. Strings are decoded only when a record uses them, so unused or duplicate entries cost no string. Reused
 * across aggregates; not thread-safe.
 */
final class KeyEntries {
  private final int initialCapacity;
  int count;
  int[] offsets;
  int[] lengths;
  /** Decoded strings, null until first use. */
  String[] strings;

  KeyEntries(int initialCapacity) {
    this.initialCapacity = initialCapacity;
    allocate(initialCapacity);
  }

  void add(int offset, int length) {
    if (count == offsets.length) {
      offsets = Arrays.copyOf(offsets, count * 2);
      lengths = Arrays.copyOf(lengths, count * 2);
    }
    offsets[count] = offset;
    lengths[count] = length;
    count++;
  }

  /**
   * Makes room for the strings of every entry, once the table is read: sized exactly, not grown by doubling, so that a
   * huge table of tiny entries costs as little scratch as it can.
   */
  void ensureStrings() {
    if (strings.length < count) {
      strings = new String[count];
    }
  }

  /** Forgets the entries (and the strings, so that they can be collected). */
  void clear() {
    Arrays.fill(strings, 0, Math.min(count, strings.length), null); // a read that failed made no room for them
    count = 0;
  }

  boolean isLargerThan(int entries) {
    return offsets.length > entries || strings.length > entries;
  }

  void shrink() {
    allocate(initialCapacity);
  }

  private void allocate(int capacity) {
    offsets = new int[capacity];
    lengths = new int[capacity];
    strings = new String[capacity];
  }
}
