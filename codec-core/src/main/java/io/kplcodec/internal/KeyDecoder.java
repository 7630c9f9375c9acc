package io.kplcodec.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Decodes key table entries to strings (invalid UTF-8 becomes U+FFFD, as in protobuf-java), remembering partition
 * keys decoded before, so that a stream reusing its keys decodes and allocates each key once, not once per aggregate.
 *
 * <p>The cache: four-way sets of keys of 1 to {@value #MAX_CACHED_KEY_LENGTH} bytes, replaced round robin, so that
 * up to four hot keys sharing a set never evict each other; a few tens of kilobytes at most (see {@code
 * codec-core/DESIGN.md}, "Key cache"). Owned by one reader at a time; not thread-safe.
 */
final class KeyDecoder {
  private static final int SET_BITS = 6;
  private static final int WAYS = 4;
  private static final int SIZE = WAYS << SET_BITS;
  private static final int MAX_CACHED_KEY_LENGTH = 64;
  private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final String[] keys = new String[SIZE];
  /** The {@link #hash} of each cached key. */
  private final long[] hashes = new long[SIZE];
  /** Per set, the way the next new key replaces. */
  private final byte[] next = new byte[SIZE / WAYS];

  /** The key in {@code a[from, from + length)}, from the cache when it was decoded before. */
  String cached(byte[] a, int from, int length) {
    if (length == 0 || length > MAX_CACHED_KEY_LENGTH) {
      return decode(a, from, length);
    }
    long hash = hash(a, from, length);
    int set = (int) (hash >>> (64 - SET_BITS)) * WAYS;
    for (int way = set; way < set + WAYS; way++) {
      // The hash first: a stream of new keys (UUIDs) then never loads the cached strings, which are cold.
      if (hashes[way] == hash) {
        String cached = keys[way];
        if (cached != null && isAsciiOf(cached, a, from, length)) {
          return cached;
        }
      }
    }
    String key = decode(a, from, length);
    int victim = set + (next[set / WAYS]++ & (WAYS - 1));
    keys[victim] = key;
    hashes[victim] = hash;
    return key;
  }

  /** The key in {@code a[from, from + length)}, decoded anew (the empty key costs nothing). */
  static String decode(byte[] a, int from, int length) {
    return length == 0 ? "" : new String(a, from, length, StandardCharsets.UTF_8);
  }

  /** A hash of the bytes' length and their first and last eight bytes, mixed; its top bits pick the set. */
  private static long hash(byte[] a, int from, int length) {
    long h = length;
    if (length >= 8) {
      h = h * 31 + (long) LONG.get(a, from);
      h = h * 31 + (long) LONG.get(a, from + length - 8);
    } else {
      for (int i = 0; i < length; i++) {
        h = h * 31 + a[from + i];
      }
    }
    return h * 0x9E3779B97F4A7C15L;
  }

  /**
   * Whether the bytes are the characters of {@code key}, all ASCII, so that decoding them gives {@code key}. A byte of
   * 0x80 or more is negative and equals no char: keys with any such byte are always decoded anew.
   */
  private static boolean isAsciiOf(String key, byte[] a, int from, int length) {
    if (key.length() != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (key.charAt(i) != a[from + i]) {
        return false;
      }
    }
    return true;
  }
}
