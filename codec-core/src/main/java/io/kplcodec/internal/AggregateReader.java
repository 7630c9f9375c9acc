package io.kplcodec.internal;

import io.kplcodec.CorruptAggregateException;
import io.kplcodec.CorruptAggregateException.Reason;
import io.kplcodec.UserRecordVisitor;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
  private static final int RECORD_STRIDE = 3;
  private static final VarHandle LITTLE_ENDIAN_INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LITTLE_ENDIAN_LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle LITTLE_ENDIAN_SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  /** A small record's first four bytes (record tag, length, partition key index tag, index), masked. */
  private static final int SMALL_RECORD_HEAD =
      Framing.RECORD_TAG | Framing.PARTITION_KEY_INDEX_TAG << 16;
  /** The shortest small record: the four head bytes, the data tag and its length. */
  private static final int SMALL_RECORD_MIN = 6;
  private static final int PARTITION_KEY_INDEX = 0;
  private static final int DATA_OFFSET = 1;
  private static final int DATA_LENGTH = 2;
  /** Scratch arrays bigger than this are dropped once inputs that need them stop coming (see {@link #clear}). */
  private static final int RETAINED_ENTRIES = 1 << 16;
  /**
   * Perf: scratch grown past {@link #RETAINED_ENTRIES} is kept until this many reads in a row did without it. A
   * stream of 10 MiB aggregates of small user records (150,000 of 64 bytes each) would otherwise drop and regrow
   * megabytes of scratch for every aggregate; one huge input still does not pin memory for long.
   */
  private static final int DROP_AFTER_SMALL_READS = 16;
  /**
   * Perf: partition keys decoded by earlier reads of this reader (one per thread in the deaggregator), so that a
   * stream reusing its keys decodes and allocates each key string once, not once per aggregate. Four-way sets,
   * replaced round robin: up to four hot keys sharing a set never evict each other (with two ways, three of 16 keys
   * landed in one set for one key set in seven, and those three were decoded anew on every read). Only keys of at
   * most {@link #MAX_CACHED_KEY_LENGTH} bytes: a few tens of kilobytes at most.
   */
  private static final int KEY_CACHE_SET_BITS = 6;
  private static final int KEY_CACHE_WAYS = 4;
  private static final int KEY_CACHE_SIZE = KEY_CACHE_WAYS << KEY_CACHE_SET_BITS;
  private static final int MAX_CACHED_KEY_LENGTH = 64;

  private ByteBuffer buffer;
  /** The buffer's array and the array index of buffer index 0, or null (Perf: see {@link #readCanonicalRecords}). */
  private byte[] array;
  private int arrayBase;
  private int origin;
  /** Where the message starts in the buffer (its end is {@link #limit} once read). */
  private int messageStart;
  private int pos;
  private int limit;

  private final StringTable partitionKeys = new StringTable(16);
  private final StringTable explicitHashKeys = new StringTable(4);

  private int recordCount;
  /** The largest partition key and explicit hash key index of the records read (NONE when there are none). */
  private int maxPartitionKeyIndex;
  private int maxExplicitHashKeyIndex;
  /**
   * Per record, {@link #RECORD_STRIDE} ints side by side: partition key index, data offset, data length. Perf: one
   * array written and read in sequence, not three; and only what visiting needs, so that the common record costs
   * three stores. A record's field offset, needed only to report an error, is found again by {@link #recordStart}.
   */
  private int[] records;
  /**
   * Per record, its explicit hash key index or {@link #NONE}; valid for the first {@link #explicitHashKeyIndexCount}
   * records, which is 0 while no record has one. Perf: the KPL sets explicit hash keys rarely, so the common record
   * stores nothing here; the first record that has one fills in those before it, and the end of the read those after.
   */
  private int[] explicitHashKeyIndexes = new int[0];
  private int explicitHashKeyIndexCount;

  private byte[] stringScratch = new byte[256];
  private final String[] keyCache = new String[KEY_CACHE_SIZE];
  /** The {@link #keyHash} of each cached key. */
  private final long[] keyHashes = new long[KEY_CACHE_SIZE];
  /** Per set, the way the next new key replaces. */
  private final byte[] keyCacheNext = new byte[KEY_CACHE_SIZE / KEY_CACHE_WAYS];
  /** Reads in a row that did without the scratch grown past {@link #RETAINED_ENTRIES}. */
  private int smallReads;

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
    if (buffer.hasArray()) {
      array = buffer.array();
      arrayBase = buffer.arrayOffset();
    }
    this.origin = origin;
    this.messageStart = from;
    this.pos = from;
    this.limit = to;
    maxPartitionKeyIndex = NONE;
    maxExplicitHashKeyIndex = NONE;
    while (pos < limit) {
      // Perf: into the records loop only at a record, not once per key table entry.
      if (array != null && array[arrayBase + pos] == Framing.RECORD_TAG) {
        readCanonicalRecords();
        if (pos >= limit) {
          break;
        }
      }
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
    if (explicitHashKeyIndexCount > 0) {
      fillExplicitHashKeyIndexes(recordCount);
    }
    // Indexes are checked after the scan: a valid encoding may put the tables after the records. Perf: the largest
    // index seen says whether any is out of range; only then are the records searched for the first such one.
    if (maxPartitionKeyIndex < partitionKeys.count && maxExplicitHashKeyIndex < explicitHashKeys.count) {
      return;
    }
    for (int record = 0; record < recordCount; record++) {
      if (partitionKeyIndex(record) >= partitionKeys.count) {
        throw corrupt(recordStart(record), Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE);
      }
      if (explicitHashKeyIndex(record) >= explicitHashKeys.count) {
        throw corrupt(recordStart(record), Reason.EXPLICIT_HASH_KEY_INDEX_OUT_OF_RANGE);
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
    return records[record * RECORD_STRIDE + PARTITION_KEY_INDEX];
  }

  /** The record's explicit hash key index, or -1 when it has none. */
  public int explicitHashKeyIndex(int record) {
    return record < explicitHashKeyIndexCount ? explicitHashKeyIndexes[record] : NONE;
  }

  /** Absolute index of the record's data in the buffer. */
  public int dataOffset(int record) {
    return records[record * RECORD_STRIDE + DATA_OFFSET];
  }

  public int dataLength(int record) {
    return records[record * RECORD_STRIDE + DATA_LENGTH];
  }

  /** Offset of the record's field from the origin, for error reports. */
  public int recordOffset(int record) {
    return recordStart(record) - origin;
  }

  /**
   * Hands every record to {@code visitor}, in order. Perf: the loop of the visitor form of deaggregation, over the
   * record scratch with everything in locals.
   */
  public void visitAll(ByteBuffer source, UserRecordVisitor visitor) {
    // Perf: every key decoded first, so that the loop is loads and the visitor call, with no decoding path in it.
    for (int k = 0; k < partitionKeys.count; k++) {
      partitionKey(k);
    }
    for (int k = 0; k < explicitHashKeys.count; k++) {
      string(explicitHashKeys, k);
    }
    String[] keys = partitionKeys.strings;
    String[] hashKeys = explicitHashKeys.strings;
    int[] hashKeyIndexes = explicitHashKeyIndexCount > 0 ? explicitHashKeyIndexes : null;
    int[] r = records;
    int end = recordCount * RECORD_STRIDE;
    for (int i = 0, at = 0; at < end; i++, at += RECORD_STRIDE) {
      int explicitHashKeyIndex = hashKeyIndexes == null ? NONE : hashKeyIndexes[i];
      String explicitHashKey = explicitHashKeyIndex == NONE ? null : hashKeys[explicitHashKeyIndex];
      visitor.visit(keys[r[at + PARTITION_KEY_INDEX]], explicitHashKey, source, r[at + DATA_OFFSET],
          r[at + DATA_LENGTH], i);
    }
  }

  /** The partition key of the table entry, decoded once (invalid UTF-8 becomes U+FFFD, as in protobuf-java). */
  public String partitionKey(int index) {
    String key = partitionKeys.strings[index];
    if (key == null) {
      key = decodeKey(partitionKeys.offsets[index], partitionKeys.lengths[index]);
      partitionKeys.strings[index] = key;
    }
    return key;
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

  /**
   * Forgets the input; drops scratch grown past {@link #RETAINED_ENTRIES} once {@link #DROP_AFTER_SMALL_READS}
   * reads in a row did without it.
   */
  public void clear() {
    if (buffer != null && oversized()) { // buffer is null when nothing was read since the last clear
      boolean neededIt = recordCount > RETAINED_ENTRIES
          || partitionKeys.count > RETAINED_ENTRIES
          || explicitHashKeys.count > RETAINED_ENTRIES;
      smallReads = neededIt ? 0 : smallReads + 1;
    }
    boolean drop = smallReads >= DROP_AFTER_SMALL_READS;
    partitionKeys.clear(drop);
    explicitHashKeys.clear(drop);
    if (drop) {
      smallReads = 0;
      allocate();
    }
    buffer = null;
    array = null;
    recordCount = 0;
    explicitHashKeyIndexCount = 0;
  }

  private boolean oversized() {
    return records.length > RETAINED_ENTRIES * RECORD_STRIDE
        || explicitHashKeyIndexes.length > RETAINED_ENTRIES
        || partitionKeys.offsets.length > RETAINED_ENTRIES
        || explicitHashKeys.offsets.length > RETAINED_ENTRIES
        || stringScratch.length > RETAINED_ENTRIES;
  }

  /** (Re)creates the record scratch, and shrinks the string scratch, unless they are of the retained size. */
  private void allocate() {
    if (records == null || records.length > RETAINED_ENTRIES * RECORD_STRIDE) {
      records = new int[64 * RECORD_STRIDE];
    }
    if (explicitHashKeyIndexes.length > RETAINED_ENTRIES) {
      explicitHashKeyIndexes = new int[0];
    }
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
    addRecord(clampIndex(partitionKeyIndex),
        hasExplicitHashKeyIndex ? clampIndex(explicitHashKeyIndex) : NONE, dataOffset, dataLength);
  }

  /**
   * Perf: reads the Record fields from {@code pos} on, straight from the array with everything in locals, as long as
   * they are laid out as the KPL, protobuf-java and kpl-codec write them: tag, length, then partition key index,
   * optional explicit hash key index, and data filling the rest of the record, each varint at most four bytes.
   * Stops, leaving {@code pos} at its start, at the first field that is anything else (a table entry, another field
   * order, a repeated, missing or unknown field, a longer varint, a length past the message or not ending the record);
   * the general path, which gives the same result for every record this accepts, reads that field.
   */
  private void readCanonicalRecords() {
    byte[] a = array;
    int base = arrayBase;
    int p = pos + base;
    int end = limit + base;
    // Perf: the scratch, its fill and the largest indexes in locals, stored back once at the end.
    int[] r = records;
    int at = recordCount * RECORD_STRIDE;
    int maxPartitionKey = maxPartitionKeyIndex;
    int maxExplicitHashKey = maxExplicitHashKeyIndex;
    while (p < end && a[p] == Framing.RECORD_TAG) {
      if (at == r.length) {
        r = records = Arrays.copyOf(r, at * 2);
      }
      // Perf: small records (under 128 bytes, no explicit hash key, index under 128) in two wide reads:
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
            at += RECORD_STRIDE;
            int size = recordEnd - p;
            p = recordEnd;
            long run = readRun(a, base, p, end, r, at, head & 0x00FFFFFF, dataHead, size);
            int runLength = (int) (run >>> 32);
            if (runLength > 0) {
              maxPartitionKey = Math.max(maxPartitionKey, (int) run);
              p += runLength * size;
              at += runLength * RECORD_STRIDE;
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
        setExplicitHashKeyIndex(at / RECORD_STRIDE, explicitHashKeyIndex);
      }
      store(r, at, partitionKeyIndex, q - base, dataLength);
      at += RECORD_STRIDE;
      p = recordEnd;
    }
    recordCount = at / RECORD_STRIDE;
    maxPartitionKeyIndex = maxPartitionKey;
    maxExplicitHashKeyIndex = maxExplicitHashKey;
    pos = p - base;
  }

  /**
   * Perf: the records from {@code p} on that have the size and shape of the small record just read ({@code head} and
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
    int fit = Math.min((end - p) / size, (r.length - at) / RECORD_STRIDE);
    fit = Math.min(fit, Math.floorDiv(a.length - 8 - p, size) + 1);
    long shape = (dataHead & 0xFFFFL) << 32 | head;
    int max = 0;
    int read = 0;
    for (; read < fit; read++, p += size, at += RECORD_STRIDE) {
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

  private void addRecord(int partitionKeyIndex, int explicitHashKeyIndex, int dataOffset, int dataLength) {
    int r = recordCount * RECORD_STRIDE;
    if (r == records.length) {
      records = Arrays.copyOf(records, r * 2);
    }
    maxPartitionKeyIndex = Math.max(maxPartitionKeyIndex, partitionKeyIndex);
    maxExplicitHashKeyIndex = Math.max(maxExplicitHashKeyIndex, explicitHashKeyIndex);
    if (explicitHashKeyIndex != NONE) {
      setExplicitHashKeyIndex(recordCount, explicitHashKeyIndex);
    }
    store(records, r, partitionKeyIndex, dataOffset, dataLength);
    recordCount++;
  }

  /** Writes one record's entry of the scratch at {@code at}, in the layout {@link #records} describes. */
  private static void store(int[] r, int at, int partitionKeyIndex, int dataOffset, int dataLength) {
    r[at + PARTITION_KEY_INDEX] = partitionKeyIndex;
    r[at + DATA_OFFSET] = dataOffset;
    r[at + DATA_LENGTH] = dataLength;
  }

  private void setExplicitHashKeyIndex(int record, int explicitHashKeyIndex) {
    fillExplicitHashKeyIndexes(record + 1);
    explicitHashKeyIndexes[record] = explicitHashKeyIndex;
  }

  /** Extends {@link #explicitHashKeyIndexes} to the first {@code records} records, those it adds having none. */
  private void fillExplicitHashKeyIndexes(int records) {
    if (explicitHashKeyIndexes.length < records) {
      int capacity = Math.max(records, explicitHashKeyIndexes.length * 2);
      explicitHashKeyIndexes = Arrays.copyOf(explicitHashKeyIndexes, capacity);
    }
    Arrays.fill(explicitHashKeyIndexes, explicitHashKeyIndexCount, records, NONE);
    explicitHashKeyIndexCount = records;
  }

  /**
   * The index of the record's field, found by walking the message again: only error reports need it, and the scan
   * does not keep it (see {@link #records}). Only for records of a message read in full, where the walk cannot fail.
   */
  private int recordStart(int record) {
    int end = limit;
    pos = messageStart;
    for (int seen = 0; ; ) {
      int fieldStart = pos;
      int tag = readTag(fieldStart);
      if (tag == Framing.RECORD_TAG && seen++ == record) {
        pos = end;
        return fieldStart;
      }
      skipField(tag, fieldStart, 0);
    }
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
    if (p < end) {
      // Perf: tags, table indexes and the lengths of small records are one byte; skip the loop for them.
      byte first = array != null ? array[arrayBase + p] : in.get(p);
      if (first >= 0) {
        pos = p + 1;
        return first;
      }
    }
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

  /** {@link #decode}, through the cache of keys decoded before. */
  private String decodeKey(int offset, int length) {
    if (length == 0 || length > MAX_CACHED_KEY_LENGTH) {
      return decode(offset, length);
    }
    String[] cache = keyCache;
    long[] hashes = keyHashes;
    long hash = keyHash(offset, length);
    int set = (int) (hash >>> (64 - KEY_CACHE_SET_BITS)) * KEY_CACHE_WAYS;
    for (int way = set; way < set + KEY_CACHE_WAYS; way++) {
      // Perf: the hash first. A stream of new keys (UUIDs) then never loads the cached strings, which are cold.
      if (hashes[way] == hash) {
        String cached = cache[way];
        if (cached != null && isAsciiOf(cached, offset, length)) {
          return cached;
        }
      }
    }
    String key = decode(offset, length);
    // Round robin within the set: up to four keys sharing it all stay. Perf: one store per array, no shifting.
    int victim = set + (keyCacheNext[set / KEY_CACHE_WAYS]++ & (KEY_CACHE_WAYS - 1));
    cache[victim] = key;
    hashes[victim] = hash;
    return key;
  }

  /** A hash of the bytes' length and their first and last eight bytes, mixed; its top bits pick the cache set. */
  private long keyHash(int offset, int length) {
    ByteBuffer in = buffer;
    long h = length;
    if (length >= 8) {
      h = h * 31 + in.getLong(offset); // the buffer's byte order only changes the hash
      h = h * 31 + in.getLong(offset + length - 8);
    } else {
      for (int i = 0; i < length; i++) {
        h = h * 31 + in.get(offset + i);
      }
    }
    return h * 0x9E3779B97F4A7C15L;
  }

  /**
   * Whether the bytes are the characters of {@code key}, all ASCII, so that decoding them gives {@code key}. A byte
   * of 0x80 or more is negative and equals no char: keys with any such byte are always decoded anew.
   */
  private boolean isAsciiOf(String key, int offset, int length) {
    if (key.length() != length) {
      return false;
    }
    if (array != null) {
      int base = arrayBase + offset;
      for (int i = 0; i < length; i++) {
        if (key.charAt(i) != array[base + i]) {
          return false;
        }
      }
      return true;
    }
    ByteBuffer in = buffer;
    for (int i = 0; i < length; i++) {
      if (key.charAt(i) != in.get(offset + i)) {
        return false;
      }
    }
    return true;
  }

  private String decode(int offset, int length) {
    if (array != null) {
      return new String(array, arrayBase + offset, length, StandardCharsets.UTF_8);
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

    /** Forgets the entries; with {@code shrink}, also drops arrays grown past {@link #RETAINED_ENTRIES}. */
    void clear(boolean shrink) {
      Arrays.fill(strings, 0, count, null);
      count = 0;
      if (shrink && offsets.length > RETAINED_ENTRIES) {
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
