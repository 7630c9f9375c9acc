package io.kplcodec.internal;

import static io.kplcodec.internal.RecordEntries.NONE;
import static io.kplcodec.internal.RecordEntries.STRIDE;
import static io.kplcodec.internal.RecordEntries.store;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The fast path of the reader: Record fields laid out as every known producer writes them, read straight from the
 * array with everything in locals, and runs of records of one size in a counted loop of their own. Why each trick is
 * there, and what it measured, is in {@code codec-core/DESIGN.md}, "Canonical records".
 */
final class CanonicalRecords {
  private static final VarHandle LITTLE_ENDIAN_INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LITTLE_ENDIAN_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LITTLE_ENDIAN_SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  /** A small record's first four bytes (record tag, length, partition key index tag, index), masked. */
  private static final int SMALL_RECORD_HEAD = Framing.RECORD_TAG | Framing.PARTITION_KEY_INDEX_TAG << 16;
  /** The shortest small record: the four head bytes, the data tag and its length. */
  private static final int SMALL_RECORD_MIN = 6;

  private CanonicalRecords() {}

  /**
   * Reads Record fields from buffer index {@code from} on, as long as they are laid out as the KPL, protobuf-java and
   * kpl-codec write them: tag, length, then partition key index, optional explicit hash key index, and data filling
   * the rest of the record, each varint at most four bytes. Stops at the first field that is anything else (a table
   * entry, another field order, a repeated, missing or unknown field, a longer varint, a length past the message or
   * not ending the record), which the general path then reads; that path gives the same result for every record this
   * accepts.
   *
   * @return the buffer index where it stopped
   */
  static int read(byte[] a, int base, int from, int to, RecordEntries entries) {
    int p = from + base;
    int end = to + base;
    // The scratch, its fill and the largest indexes in locals, stored back once at the end.
    int[] r = entries.records;
    int at = entries.count * STRIDE;
    int maxPartitionKey = entries.maxPartitionKeyIndex;
    int maxExplicitHashKey = entries.maxExplicitHashKeyIndex;
    while (p < end && a[p] == Framing.RECORD_TAG) {
      if (at == r.length) {
        r = entries.records = Arrays.copyOf(r, at * 2);
      }
      // Small records (under 128 bytes, no explicit hash key, index under 128) in two wide reads:
      // 1A len 08 index | 1A dataLength, every varint one byte.
      if (end - p >= SMALL_RECORD_MIN) {
        int head = (int) LITTLE_ENDIAN_INT.get(a, p);
        int dataHead = (short) LITTLE_ENDIAN_SHORT.get(a, p + 4);
        if ((head & 0x80FF80FF) == SMALL_RECORD_HEAD && (dataHead & 0x80FF) == Framing.DATA_TAG) {
          int recordEnd = p + 2 + ((head >>> 8) & 0x7F);
          int dataLength = (dataHead >>> 8) & 0x7F;
          if (recordEnd - (p + 6) == dataLength && recordEnd <= end) {
            int partitionKeyIndex = head >>> 24;
            maxPartitionKey = Math.max(maxPartitionKey, partitionKeyIndex);
            store(r, at, partitionKeyIndex, p + 6 - base, dataLength);
            at += STRIDE;
            int size = recordEnd - p;
            p = recordEnd;
            long run = readRun(a, base, p, end, r, at, head & 0x00FFFFFF, dataHead, size);
            int runLength = (int) (run >>> 32);
            if (runLength > 0) {
              maxPartitionKey = Math.max(maxPartitionKey, (int) run);
              p += runLength * size;
              at += runLength * STRIDE;
            }
            continue;
          }
        }
      }
      long read = smallVarint(a, p + 1, end);
      if (read < 0) {
        break;
      }
      int q = (int) (read >>> 32);
      int length = (int) read;
      if (length > end - q) {
        break;
      }
      int recordEnd = q + length;
      if (q >= recordEnd || a[q] != Framing.PARTITION_KEY_INDEX_TAG) {
        break;
      }
      read = smallVarint(a, q + 1, recordEnd);
      if (read < 0) {
        break;
      }
      q = (int) (read >>> 32);
      int partitionKeyIndex = (int) read;
      int explicitHashKeyIndex = NONE;
      if (q < recordEnd && a[q] == Framing.EXPLICIT_HASH_KEY_INDEX_TAG) {
        read = smallVarint(a, q + 1, recordEnd);
        if (read < 0) {
          break;
        }
        q = (int) (read >>> 32);
        explicitHashKeyIndex = (int) read;
      }
      if (q >= recordEnd || a[q] != Framing.DATA_TAG) {
        break;
      }
      read = smallVarint(a, q + 1, recordEnd);
      if (read < 0) {
        break;
      }
      q = (int) (read >>> 32);
      int dataLength = (int) read;
      if (dataLength != recordEnd - q) {
        break;
      }
      maxPartitionKey = Math.max(maxPartitionKey, partitionKeyIndex);
      maxExplicitHashKey = Math.max(maxExplicitHashKey, explicitHashKeyIndex);
      if (explicitHashKeyIndex != NONE) {
        entries.setExplicitHashKeyIndex(at / STRIDE, explicitHashKeyIndex);
      }
      store(r, at, partitionKeyIndex, q - base, dataLength);
      at += STRIDE;
      p = recordEnd;
    }
    entries.count = at / STRIDE;
    entries.maxPartitionKeyIndex = maxPartitionKey;
    entries.maxExplicitHashKeyIndex = maxExplicitHashKey;
    return p - base;
  }

  /**
   * The records from {@code p} on that have the size and shape of the small record just read ({@code head} and
   * {@code dataHead}, its first six bytes but for the index), as user records of one size do. A counted loop of its
   * own: each record's start is known without the length byte of the one before (whose load latency otherwise bounds
   * the loop), each record's shape is checked with one read and one compare, and the few values it keeps fit in
   * registers.
   *
   * @return how many records it read in the upper 32 bits, their largest partition key index in the lower 32
   */
  private static long readRun(byte[] a, int base, int p, int end, int[] r, int at, int head, int dataHead, int size) {
    // Records inside the message and the scratch; and, as each is read with one 8-byte read that may reach two bytes
    // past a record of six, inside the array (floorDiv: none when not even the first read fits).
    int fit = Math.min((end - p) / size, (r.length - at) / STRIDE);
    fit = Math.min(fit, Math.floorDiv(a.length - 8 - p, size) + 1);
    long shape = (dataHead & 0xFFFFL) << 32 | head;
    int max = 0;
    int read = 0;
    for (; read < fit; read++, p += size, at += STRIDE) {
      long next = (long) LITTLE_ENDIAN_LONG.get(a, p);
      if ((next & 0xFFFF_80FF_FFFFL) != shape) {
        break;
      }
      int partitionKeyIndex = (int) next >>> 24;
      max = Math.max(max, partitionKeyIndex);
      store(r, at, partitionKeyIndex, p + 6 - base, size - 6);
    }
    return (long) read << 32 | max;
  }

  /**
   * A varint of at most four bytes in {@code a[q, end)}: the index after it in the upper 32 bits and its value in the
   * lower 32; or -1 if it is longer or runs past {@code end}.
   */
  private static long smallVarint(byte[] a, int q, int end) {
    if (q < end && a[q] >= 0) { // one byte: the common case
      return (long) (q + 1) << 32 | a[q];
    }
    int value = 0;
    for (int shift = 0; shift < 28; shift += 7) {
      if (q >= end) {
        return -1;
      }
      int b = a[q++];
      value |= (b & 0x7F) << shift;
      if (b >= 0) {
        return (long) q << 32 | value;
      }
    }
    return -1;
  }
}
