package io.kplcodec.internal;

import io.kplcodec.CorruptAggregateException;
import io.kplcodec.CorruptAggregateException.Reason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Scans and validates one {@code AggregatedRecord} protobuf message in full before anything is emitted, recording
 * where its table entries and records are. Reads with absolute indexes and never moves the buffer's position.
 *
 * <p>Hostile input: nothing is allocated from a declared length; every length is checked against what remains of
 * its enclosing message in {@code long} arithmetic; varints longer than 10 bytes are rejected; group nesting is
 * bounded. Memory grows with the entries actually present, each of which costs at least two input bytes.
 *
 * <p>Accepts every encoding protobuf-java accepts for this schema: any field order, interleaved repeated fields,
 * singular fields repeated (last one wins), unknown fields and known fields with an unexpected wire type skipped,
 * tags parsed for their required key and otherwise ignored. Reused across messages; not thread-safe.
 */
public final class AggregateReader {
  /** protobuf-java's default recursion limit. */
  private static final int MAX_DEPTH = 100;
  private static final int NONE = -1;
  /** Scratch arrays bigger than this are dropped after use, so one huge input does not pin memory. */
  private static final int RETAINED_ENTRIES = 1 << 16;

  private ByteBuffer buffer;
  private int origin;
  private int pos;
  private int limit;

  private final StringTable partitionKeys = new StringTable(16);
  private final StringTable explicitHashKeys = new StringTable(4);

  private int recordCount;
  private int[] recordOffsets;
  private int[] recordPartitionKeyIndexes;
  private int[] recordExplicitHashKeyIndexes;
  private int[] recordDataOffsets;
  private int[] recordDataLengths;

  private byte[] stringScratch = new byte[256];

  public AggregateReader() {
    allocate();
  }

  /**
   * Reads the protobuf message in {@code buffer[from, to)}.
   *
   * @param origin the index that offsets in exceptions count from (the record's first byte)
   * @throws CorruptAggregateException if the message is malformed or an index is outside its table
   */
  public void read(ByteBuffer buffer, int from, int to, int origin) {
    clear();
    this.buffer = buffer;
    this.origin = origin;
    this.pos = from;
    this.limit = to;
    while (pos < limit) {
      int fieldStart = pos;
      int tag = readTag(fieldStart);
      switch (tag) {
        case Framing.PARTITION_KEY_TABLE_TAG:
          readTableEntry(partitionKeys, fieldStart);
          break;
        case Framing.EXPLICIT_HASH_KEY_TABLE_TAG:
          readTableEntry(explicitHashKeys, fieldStart);
          break;
        case Framing.RECORD_TAG:
          readRecord(fieldStart);
          break;
        default:
          skipField(tag, fieldStart, 0);
      }
    }
    // Indexes are checked after the scan: a valid encoding may put the tables after the records.
    for (int i = 0; i < recordCount; i++) {
      if (recordPartitionKeyIndexes[i] >= partitionKeys.count) {
        throw corrupt(recordOffsets[i], Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE);
      }
      if (recordExplicitHashKeyIndexes[i] >= explicitHashKeys.count) {
        throw corrupt(recordOffsets[i], Reason.EXPLICIT_HASH_KEY_INDEX_OUT_OF_RANGE);
      }
    }
  }

  public int recordCount() {
    return recordCount;
  }

  public int partitionKeyCount() {
    return partitionKeys.count;
  }

  public int explicitHashKeyCount() {
    return explicitHashKeys.count;
  }

  public int partitionKeyIndex(int record) {
    return recordPartitionKeyIndexes[record];
  }

  /** The record's explicit hash key index, or -1 when it has none. */
  public int explicitHashKeyIndex(int record) {
    return recordExplicitHashKeyIndexes[record];
  }

  /** Absolute index of the record's data in the buffer. */
  public int dataOffset(int record) {
    return recordDataOffsets[record];
  }

  public int dataLength(int record) {
    return recordDataLengths[record];
  }

  /** Offset of the record's field from the origin, for error reports. */
  public int recordOffset(int record) {
    return recordOffsets[record] - origin;
  }

  /** The partition key of the table entry, decoded once (invalid UTF-8 becomes U+FFFD, as in protobuf-java). */
  public String partitionKey(int index) {
    return string(partitionKeys, index);
  }

  /** The explicit hash key of the table entry, decoded once; or null for index -1. */
  public String explicitHashKey(int index) {
    return index == NONE ? null : string(explicitHashKeys, index);
  }

  private String string(StringTable table, int index) {
    String key = table.strings[index];
    if (key == null) {
      key = decode(table.offsets[index], table.lengths[index]);
      table.strings[index] = key;
    }
    return key;
  }

  /** Forgets the input (and drops scratch grown by a huge one). */
  public void clear() {
    partitionKeys.clear();
    explicitHashKeys.clear();
    if (recordOffsets.length > RETAINED_ENTRIES) {
      allocate();
    }
    buffer = null;
    recordCount = 0;
  }

  private void allocate() {
    recordOffsets = new int[64];
    recordPartitionKeyIndexes = new int[64];
    recordExplicitHashKeyIndexes = new int[64];
    recordDataOffsets = new int[64];
    recordDataLengths = new int[64];
    if (stringScratch.length > RETAINED_ENTRIES) {
      stringScratch = new byte[256];
    }
  }

  private void readTableEntry(StringTable table, int fieldStart) {
    int length = readLength(fieldStart);
    table.add(pos, length);
    pos += length;
  }

  /** Reads one Record message; required fields are checked here, indexes after the whole scan. */
  private void readRecord(int recordStart) {
    int length = readLength(recordStart);
    int outerLimit = limit;
    limit = pos + length;
    // Presence is tracked apart from the values: every 64-bit value, -1 included, is a possible index.
    boolean hasPartitionKeyIndex = false;
    boolean hasExplicitHashKeyIndex = false;
    long partitionKeyIndex = 0;
    long explicitHashKeyIndex = 0;
    int dataOffset = NONE;
    int dataLength = 0;
    while (pos < limit) {
      int fieldStart = pos;
      int tag = readTag(fieldStart);
      switch (tag) {
        case Framing.PARTITION_KEY_INDEX_TAG:
          partitionKeyIndex = readVarint(fieldStart);
          hasPartitionKeyIndex = true;
          break;
        case Framing.EXPLICIT_HASH_KEY_INDEX_TAG:
          explicitHashKeyIndex = readVarint(fieldStart);
          hasExplicitHashKeyIndex = true;
          break;
        case Framing.DATA_TAG:
          dataLength = readLength(fieldStart);
          dataOffset = pos;
          pos += dataLength;
          break;
        case 0x22: // tags: KPL never writes them, KCL ignores them, protobuf-java requires their key
          readTagMessage(fieldStart);
          break;
        default:
          skipField(tag, fieldStart, 1);
      }
    }
    limit = outerLimit;
    if (!hasPartitionKeyIndex) {
      throw corrupt(recordStart, Reason.MISSING_PARTITION_KEY_INDEX);
    }
    if (dataOffset == NONE) {
      throw corrupt(recordStart, Reason.MISSING_DATA);
    }
    if (recordCount == recordOffsets.length) {
      int n = recordCount * 2;
      recordOffsets = Arrays.copyOf(recordOffsets, n);
      recordPartitionKeyIndexes = Arrays.copyOf(recordPartitionKeyIndexes, n);
      recordExplicitHashKeyIndexes = Arrays.copyOf(recordExplicitHashKeyIndexes, n);
      recordDataOffsets = Arrays.copyOf(recordDataOffsets, n);
      recordDataLengths = Arrays.copyOf(recordDataLengths, n);
    }
    recordOffsets[recordCount] = recordStart;
    recordPartitionKeyIndexes[recordCount] = clampIndex(partitionKeyIndex);
    recordExplicitHashKeyIndexes[recordCount] =
        hasExplicitHashKeyIndex ? clampIndex(explicitHashKeyIndex) : NONE;
    recordDataOffsets[recordCount] = dataOffset;
    recordDataLengths[recordCount] = dataLength;
    recordCount++;
  }

  /** An index beyond int range can never be inside a table; keep it out of range without wrapping. */
  private static int clampIndex(long index) {
    return index < 0 || index > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) index;
  }

  private void readTagMessage(int tagStart) {
    int length = readLength(tagStart);
    int outerLimit = limit;
    limit = pos + length;
    boolean hasKey = false;
    while (pos < limit) {
      int fieldStart = pos;
      int tag = readTag(fieldStart);
      if (tag == 0x0A) {
        hasKey = true;
      }
      skipField(tag, fieldStart, 2);
    }
    limit = outerLimit;
    if (!hasKey) {
      throw corrupt(tagStart, Reason.MISSING_TAG_KEY);
    }
  }

  /** Skips a field the schema does not know (or knows with another wire type), as protobuf-java does. */
  private void skipField(int tag, int fieldStart, int depth) {
    switch (tag & 7) {
      case 0:
        readVarint(fieldStart);
        return;
      case 1:
        skipFixed(fieldStart, 8);
        return;
      case 2:
        int length = readLength(fieldStart); // not `pos += readLength(..)`: that adds to pos as it was before the read
        pos += length;
        return;
      case 3:
        skipGroup(tag >>> 3, fieldStart, depth + 1);
        return;
      case 4:
        throw corrupt(fieldStart, Reason.UNMATCHED_END_GROUP);
      case 5:
        skipFixed(fieldStart, 4);
        return;
      default:
        throw corrupt(fieldStart, Reason.INVALID_WIRE_TYPE);
    }
  }

  private void skipGroup(int fieldNumber, int groupStart, int depth) {
    if (depth > MAX_DEPTH) {
      throw corrupt(groupStart, Reason.NESTING_TOO_DEEP);
    }
    while (pos < limit) {
      int fieldStart = pos;
      int tag = readTag(fieldStart);
      if ((tag & 7) == 4) {
        if (tag >>> 3 != fieldNumber) {
          throw corrupt(fieldStart, Reason.UNMATCHED_END_GROUP);
        }
        return;
      }
      skipField(tag, fieldStart, depth);
    }
    throw corrupt(groupStart, Reason.TRUNCATED);
  }

  private void skipFixed(int fieldStart, int width) {
    if (limit - pos < width) {
      throw corrupt(fieldStart, Reason.TRUNCATED);
    }
    pos += width;
  }

  private int readTag(int fieldStart) {
    long tag = readVarint(fieldStart);
    if (tag >>> 32 != 0 || tag >>> 3 == 0) {
      throw corrupt(fieldStart, Reason.INVALID_TAG);
    }
    return (int) tag;
  }

  /** Reads a length and checks it against what remains of the enclosing message. */
  private int readLength(int fieldStart) {
    long length = readVarint(fieldStart);
    // Unsigned compare: a length of 2^63 or more is negative as a long and must not slip through.
    if (Long.compareUnsigned(length, limit - pos) > 0) {
      throw corrupt(fieldStart, Reason.LENGTH_EXCEEDS_INPUT);
    }
    return (int) length;
  }

  private long readVarint(int fieldStart) {
    ByteBuffer in = buffer; // Perf: fields to locals in the hottest loop
    int p = pos;
    int end = limit;
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) {
        throw corrupt(fieldStart, Reason.TRUNCATED);
      }
      byte b = in.get(p++);
      if (shift == 63 && (b & 0xFF) > 1) { // an 11th byte would follow, or bits beyond 64
        throw corrupt(fieldStart, Reason.MALFORMED_VARINT);
      }
      result |= (long) (b & 0x7F) << shift;
      if (b >= 0) {
        pos = p;
        return result;
      }
    }
    throw new AssertionError("unreachable: the tenth byte either ends the varint or is rejected");
  }

  private String decode(int offset, int length) {
    if (buffer.hasArray()) {
      return new String(buffer.array(), buffer.arrayOffset() + offset, length, StandardCharsets.UTF_8);
    }
    if (stringScratch.length < length) {
      stringScratch = new byte[Math.max(length, stringScratch.length * 2)];
    }
    for (int i = 0; i < length; i++) {
      stringScratch[i] = buffer.get(offset + i);
    }
    return new String(stringScratch, 0, length, StandardCharsets.UTF_8);
  }

  private CorruptAggregateException corrupt(int index, Reason reason) {
    return new CorruptAggregateException((long) index - origin, reason);
  }

  /** Where the entries of one key table are; their strings are decoded on first use. */
  private static final class StringTable {
    private final int initialCapacity;
    int count;
    int[] offsets;
    int[] lengths;
    String[] strings;

    StringTable(int initialCapacity) {
      this.initialCapacity = initialCapacity;
      allocate(initialCapacity);
    }

    void add(int offset, int length) {
      if (count == offsets.length) {
        offsets = Arrays.copyOf(offsets, count * 2);
        lengths = Arrays.copyOf(lengths, count * 2);
        strings = Arrays.copyOf(strings, count * 2);
      }
      offsets[count] = offset;
      lengths[count] = length;
      count++;
    }

    void clear() {
      Arrays.fill(strings, 0, count, null);
      count = 0;
      if (offsets.length > RETAINED_ENTRIES) {
        allocate(initialCapacity);
      }
    }

    private void allocate(int capacity) {
      offsets = new int[capacity];
      lengths = new int[capacity];
      strings = new String[capacity];
    }
  }
}
