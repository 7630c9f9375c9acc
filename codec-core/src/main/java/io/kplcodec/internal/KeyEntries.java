package io.kplcodec.internal;

import java.util.Arrays;

/**
 * The entries of one key table of an aggregate as read: where each entry is, and its string once decoded. Strings
 * are decoded only when a record uses them, so unused or duplicate entries cost no string; an entry costs one int
 * (where its length varint starts) until then, so that a table of two-byte empty entries costs at most a few times
 * its size. Reused across aggregates; not thread-safe.
 */
final class KeyEntries {
  private final int initialCapacity;
  int count;
  /** Buffer index of each entry's length varint; its UTF-8 bytes follow it. */
  int[] starts;
  /** Decoded strings, null until first use; sized by {@link #ensureStrings} once the table is read. */
  String[] strings = new String[0];

  KeyEntries(int initialCapacity) {
    this.initialCapacity = initialCapacity;
    starts = new int[initialCapacity];
  }

  void add(int start) {
    if (count == starts.length) {
      starts = Arrays.copyOf(starts, count * 2);
    }
    starts[count++] = start;
  }

  /** Makes room for the strings of every entry once the table is read: sized exactly, not grown by doubling. */
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
    return starts.length > entries || strings.length > entries;
  }

  void shrink() {
    starts = new int[initialCapacity];
    strings = new String[0];
  }
}
