package io.kplcodec.internal;

import static io.kplcodec.internal.RecordEntries.DATA_LENGTH;
import static io.kplcodec.internal.RecordEntries.DATA_OFFSET;
import static io.kplcodec.internal.RecordEntries.NONE;
import static io.kplcodec.internal.RecordEntries.PARTITION_KEY_INDEX;
import static io.kplcodec.internal.RecordEntries.STRIDE;

import io.kplcodec.CorruptAggregateException.Reason;
import io.kplcodec.UserRecordVisitor;
import java.nio.ByteBuffer;

/**
 * Reads one Kinesis record's {@code AggregatedRecord} message in full, validating it before anything is emitted, and
 * records where its table entries and records are. Never moves the caller's buffer's position.
 *
 * <p>The parts: {@link WireCursor} reads and skips protobuf fields; {@link CanonicalRecords} is the fast path for
 * records laid out as producers write them; {@link RecordEntries} and {@link KeyEntries} hold what was read; {@link
 * KeyDecoder} turns key entries into strings. This class walks the message, applies the schema, and checks indexes.
 *
 * <p>Input: a record is {@linkplain #attach attached} first. Its bytes are read from its array when the buffer exposes
 * one, else (direct and read-only buffers) from one copy of them in this reader's scratch, so that every buffer kind
 * takes the same array paths; {@code MessageDigest} copies such buffers anyway to hash them.
 *
 * <p>Hostile input: nothing is allocated from a declared length; every length is checked against what remains of its
 * enclosing message; varints longer than 10 bytes are rejected; group nesting is bounded. Memory grows with the
 * entries actually present, each of which costs at least two input bytes, and with the input itself.
 *
 * <p>Accepts every encoding protobuf-java accepts for this schema: any field order, interleaved repeated fields,
 * singular fields repeated (last one wins), unknown fields and known fields with an unexpected wire type skipped,
 * tags parsed for their required key and otherwise ignored. Reused across messages; not thread-safe.
 */
public final class AggregateReader {
  /** Scratch grown past this many entries (or bytes, for the copy) is dropped once inputs stop needing it. */
  private static final int RETAINED_ENTRIES = 1 << 16;
  private static final int RETAINED_COPY_BYTES = 2 << 20;
  /**
   * Oversized scratch is kept until this many reads in a row did without it, so that a stream of large aggregates
   * does not drop and regrow megabytes for each; one huge input still does not pin memory for long.
   */
  private static final int DROP_AFTER_SMALL_READS = 16;
  /** The protobuf tag of a Record's tags field (the KPL never writes it). */
  private static final int RECORD_TAGS_TAG = 0x22;
  /** The protobuf tag of a Tag's key field. */
  private static final int TAG_KEY_TAG = 0x0A;
  private static final byte[] EMPTY = new byte[0];

  private final boolean canonicalFastPath;
  private final WireCursor cursor = new WireCursor();
  private final KeyEntries partitionKeys = new KeyEntries(16);
  private final KeyEntries explicitHashKeys = new KeyEntries(4);
  private final RecordEntries records = new RecordEntries();
  private final KeyDecoder keyDecoder = new KeyDecoder();
  /** Where the attached record's bytes are; buffer index i is array index {@code base + i}. */
  private byte[] array = EMPTY;
  private int base;
  /** The copy of a record whose buffer has no accessible array. */
  private byte[] copy = EMPTY;
  private int messageStart;
  private int messageEnd;
  /** Reads in a row that did without scratch grown past the retained sizes. */
  private int smallReads;
  private boolean neededLargeScratch;

  /** A reader that takes the fast path for canonical records. */
  public AggregateReader() {
    this(true);
  }

  /**
   * A reader with the fast path on or off: off, every field takes the general path (to test one against the other).
   *
   * @param canonicalFastPath true to read records laid out as producers write them through {@link CanonicalRecords}
   */
  public AggregateReader(boolean canonicalFastPath) {
    this.canonicalFastPath = canonicalFastPath;
  }

  /**
   * Makes {@code buffer[from, to)} readable through {@link #bytes()}: the buffer's own array when it has one, else a
   * copy. Everything read afterwards must lie in that range.
   *
   * @param buffer the Kinesis record's buffer, of any kind; its position and limit are not moved
   * @param from buffer index of the first byte to make readable
   * @param to buffer index just past the last one
   */
  public void attach(ByteBuffer buffer, int from, int to) {
    if (buffer.hasArray()) {
      array = buffer.array();
      base = buffer.arrayOffset();
      return;
    }
    int length = to - from;
    neededLargeScratch |= length > RETAINED_COPY_BYTES;
    if (copy.length < length) {
      copy = new byte[(int) Math.min(Math.max(length, 2L * copy.length), Integer.MAX_VALUE - 8)];
    }
    buffer.duplicate().limit(to).position(from).get(copy, 0, length);
    array = copy;
    base = -from;
  }

  /**
   * The array holding the attached record.
   *
   * @return the buffer's own array, or this reader's copy of the attached range; empty when nothing is attached
   */
  public byte[] bytes() {
    return array;
  }

  /**
   * The index in {@link #bytes()} of buffer index {@code index}.
   *
   * @param index a buffer index within the attached range
   * @return the array index of the same byte
   */
  public int arrayIndex(int index) {
    return base + index;
  }

  /**
   * Reads the protobuf message in {@code [from, to)} of the attached record.
   *
   * @param from buffer index of the message's first byte (past the magic)
   * @param to buffer index just past its last byte (where the MD5 starts)
   * @param origin the buffer index that offsets in exceptions count from (the record's first byte)
   * @throws io.kplcodec.CorruptAggregateException if the message is malformed or an index is outside its table
   */
  public void read(int from, int to, int origin) {
    messageStart = from;
    messageEnd = to;
    WireCursor in = cursor;
    in.reset(array, base, from, to, origin);
    while (in.pos < to) {
      // Into the fast path only at a record, not once per key table entry.
      if (canonicalFastPath && array[base + in.pos] == Framing.RECORD_TAG) {
        in.pos = CanonicalRecords.read(array, base, in.pos, to, records);
        if (in.pos >= to) {
          break;
        }
      }
      int fieldStart = in.pos;
      int tag = in.readTag(fieldStart);
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
          in.skipField(tag, fieldStart, 0);
      }
    }
    records.finish();
    partitionKeys.ensureStrings();
    explicitHashKeys.ensureStrings();
    neededLargeScratch |= records.count > RETAINED_ENTRIES
        || partitionKeys.count > RETAINED_ENTRIES
        || explicitHashKeys.count > RETAINED_ENTRIES;
    // Indexes are checked after the scan: a valid encoding may put the tables after the records. The largest index
    // seen says whether any is out of range; only then are the records searched for the first such one.
    if (records.maxPartitionKeyIndex < partitionKeys.count
        && records.maxExplicitHashKeyIndex < explicitHashKeys.count) {
      return;
    }
    for (int record = 0; record < records.count; record++) {
      if (partitionKeyIndex(record) >= partitionKeys.count) {
        throw in.corrupt(recordStart(record), Reason.PARTITION_KEY_INDEX_OUT_OF_RANGE);
      }
      if (explicitHashKeyIndex(record) >= explicitHashKeys.count) {
        throw in.corrupt(recordStart(record), Reason.EXPLICIT_HASH_KEY_INDEX_OUT_OF_RANGE);
      }
    }
  }

  /**
   * Number of records in the message read.
   *
   * @return the count, 0 for an aggregate without records
   */
  public int recordCount() {
    return records.count;
  }

  /**
   * Number of entries in the partition key table, used or not.
   *
   * @return the count
   */
  public int partitionKeyCount() {
    return partitionKeys.count;
  }

  /**
   * Number of entries in the explicit hash key table, used or not.
   *
   * @return the count
   */
  public int explicitHashKeyCount() {
    return explicitHashKeys.count;
  }

  /**
   * The record's partition key index.
   *
   * @param record index of the record, 0 to {@link #recordCount()} - 1
   * @return its index in the partition key table, checked by {@link #read} to lie in it
   */
  public int partitionKeyIndex(int record) {
    return records.partitionKeyIndex(record);
  }

  /**
   * The record's explicit hash key index, or -1 when it has none.
   *
   * @param record index of the record, 0 to {@link #recordCount()} - 1
   * @return its index in the explicit hash key table (checked by {@link #read} to lie in it), or -1
   */
  public int explicitHashKeyIndex(int record) {
    return records.explicitHashKeyIndex(record);
  }

  /**
   * Buffer index of the record's data.
   *
   * @param record index of the record, 0 to {@link #recordCount()} - 1
   * @return the buffer index of its data's first byte
   */
  public int dataOffset(int record) {
    return records.dataOffset(record);
  }

  /**
   * Length of the record's data.
   *
   * @param record index of the record, 0 to {@link #recordCount()} - 1
   * @return the data length in bytes, checked by {@link #read} to lie within the message
   */
  public int dataLength(int record) {
    return records.dataLength(record);
  }

  /**
   * Offset of the record's field from the origin, for error reports.
   *
   * @param record index of the record, 0 to {@link #recordCount()} - 1
   * @return the offset of its Record field's tag from the origin given to {@link #read}
   */
  public int recordOffset(int record) {
    return recordStart(record) - cursor.origin;
  }

  /**
   * Hands every record to {@code visitor}, in order: the loop of the visitor form of deaggregation.
   *
   * @param source the buffer that was attached, passed on to the visitor as is
   * @param visitor receives each record, with its index as sub-sequence number
   */
  public void visitAll(ByteBuffer source, UserRecordVisitor visitor) {
    String[] keys = partitionKeys.strings;
    int[] explicitHashKeyIndexes = records.explicitHashKeyIndexesOrNull();
    int[] r = records.records;
    int end = records.count * STRIDE;
    for (int i = 0, at = 0; at < end; i++, at += STRIDE) {
      int partitionKeyIndex = r[at + PARTITION_KEY_INDEX];
      String partitionKey = keys[partitionKeyIndex];
      if (partitionKey == null) { // decoded on first use: unused table entries cost nothing
        partitionKey = partitionKey(partitionKeyIndex);
      }
      int explicitHashKeyIndex = explicitHashKeyIndexes == null ? NONE : explicitHashKeyIndexes[i];
      String explicitHashKey = explicitHashKeyIndex == NONE ? null : explicitHashKey(explicitHashKeyIndex);
      visitor.visit(partitionKey, explicitHashKey, source, r[at + DATA_OFFSET], r[at + DATA_LENGTH], i);
    }
  }

  /**
   * The partition key of the table entry, decoded once (invalid UTF-8 becomes U+FFFD, as in protobuf-java).
   *
   * @param index index in the partition key table, 0 to {@link #partitionKeyCount()} - 1
   * @return the key; for a short ASCII key, often the very string this reader returned for it before
   */
  public String partitionKey(int index) {
    String key = partitionKeys.strings[index];
    if (key == null) {
      int length = entryLength(partitionKeys, index);
      key = keyDecoder.cached(array, base + cursor.pos, length);
      partitionKeys.strings[index] = key;
    }
    return key;
  }

  /**
   * The explicit hash key of the table entry, decoded once; or null for index -1.
   *
   * @param index index in the explicit hash key table, 0 to {@link #explicitHashKeyCount()} - 1, or -1
   * @return the key as the table holds it, not validated; null for index -1
   */
  public String explicitHashKey(int index) {
    if (index == NONE) {
      return null;
    }
    String key = explicitHashKeys.strings[index];
    if (key == null) {
      int length = entryLength(explicitHashKeys, index);
      key = KeyDecoder.decode(array, base + cursor.pos, length);
      explicitHashKeys.strings[index] = key;
    }
    return key;
  }

  /** Reads the entry's length again (checked by the scan), leaving the cursor at its first byte. */
  private int entryLength(KeyEntries table, int index) {
    int start = table.starts[index];
    cursor.pos = start;
    cursor.limit = messageEnd;
    return (int) cursor.readVarint(start);
  }

  /**
   * Forgets the input; drops scratch grown past the retained sizes once {@link #DROP_AFTER_SMALL_READS} reads in a
   * row did without it.
   */
  public void clear() {
    if (array == EMPTY) {
      return; // nothing attached since the last clear
    }
    if (neededLargeScratch) {
      smallReads = 0;
    } else if (isOversized() && ++smallReads >= DROP_AFTER_SMALL_READS) {
      smallReads = 0;
      shrink();
    }
    neededLargeScratch = false;
    partitionKeys.clear();
    explicitHashKeys.clear();
    records.clear();
    array = EMPTY;
  }

  private boolean isOversized() {
    return records.isLargerThan(RETAINED_ENTRIES)
        || partitionKeys.isLargerThan(RETAINED_ENTRIES)
        || explicitHashKeys.isLargerThan(RETAINED_ENTRIES)
        || copy.length > RETAINED_COPY_BYTES;
  }

  private void shrink() {
    if (records.isLargerThan(RETAINED_ENTRIES)) {
      records.shrink();
    }
    if (partitionKeys.isLargerThan(RETAINED_ENTRIES)) {
      partitionKeys.shrink();
    }
    if (explicitHashKeys.isLargerThan(RETAINED_ENTRIES)) {
      explicitHashKeys.shrink();
    }
    if (copy.length > RETAINED_COPY_BYTES) {
      copy = EMPTY;
    }
  }

  private void readTableEntry(KeyEntries table, int fieldStart) {
    int start = cursor.pos;
    int length = cursor.readLength(fieldStart);
    table.add(start);
    cursor.pos += length;
  }

  /** Reads one Record message; required fields are checked here, indexes after the whole scan. */
  private void readRecord(int recordStart) {
    WireCursor in = cursor;
    int length = in.readLength(recordStart);
    int outerLimit = in.limit;
    in.limit = in.pos + length;
    // Presence is tracked apart from the values: every 64-bit value, -1 included, is a possible index.
    boolean hasPartitionKeyIndex = false;
    boolean hasExplicitHashKeyIndex = false;
    long partitionKeyIndex = 0;
    long explicitHashKeyIndex = 0;
    int dataOffset = NONE;
    int dataLength = 0;
    while (in.pos < in.limit) {
      int fieldStart = in.pos;
      int tag = in.readTag(fieldStart);
      switch (tag) {
        case Framing.PARTITION_KEY_INDEX_TAG:
          partitionKeyIndex = in.readVarint(fieldStart);
          hasPartitionKeyIndex = true;
          break;
        case Framing.EXPLICIT_HASH_KEY_INDEX_TAG:
          explicitHashKeyIndex = in.readVarint(fieldStart);
          hasExplicitHashKeyIndex = true;
          break;
        case Framing.DATA_TAG:
          dataLength = in.readLength(fieldStart);
          dataOffset = in.pos;
          in.pos += dataLength;
          break;
        case RECORD_TAGS_TAG: // KPL never writes tags, KCL ignores them, protobuf-java requires their key
          readTagMessage(fieldStart);
          break;
        default:
          in.skipField(tag, fieldStart, 1);
      }
    }
    in.limit = outerLimit;
    if (!hasPartitionKeyIndex) {
      throw in.corrupt(recordStart, Reason.MISSING_PARTITION_KEY_INDEX);
    }
    if (dataOffset == NONE) {
      throw in.corrupt(recordStart, Reason.MISSING_DATA);
    }
    records.add(clampIndex(partitionKeyIndex), hasExplicitHashKeyIndex ? clampIndex(explicitHashKeyIndex) : NONE,
        dataOffset, dataLength);
  }

  private void readTagMessage(int tagStart) {
    WireCursor in = cursor;
    int length = in.readLength(tagStart);
    int outerLimit = in.limit;
    in.limit = in.pos + length;
    boolean hasKey = false;
    while (in.pos < in.limit) {
      int fieldStart = in.pos;
      int tag = in.readTag(fieldStart);
      if (tag == TAG_KEY_TAG) {
        hasKey = true;
      }
      in.skipField(tag, fieldStart, 2);
    }
    in.limit = outerLimit;
    if (!hasKey) {
      throw in.corrupt(tagStart, Reason.MISSING_TAG_KEY);
    }
  }

  /** An index beyond int range can never be inside a table; keep it out of range without wrapping. */
  private static int clampIndex(long index) {
    return index < 0 || index > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) index;
  }

  /**
   * The buffer index of the record's field, found by walking the message again: only error reports need it, and the
   * scan does not keep it. Only for records of a message read in full, where the walk cannot fail.
   */
  private int recordStart(int record) {
    WireCursor in = cursor;
    in.pos = messageStart;
    in.limit = messageEnd;
    for (int seen = 0; ; ) {
      int fieldStart = in.pos;
      int tag = in.readTag(fieldStart);
      if (tag == Framing.RECORD_TAG && seen++ == record) {
        in.pos = messageEnd;
        return fieldStart;
      }
      in.skipField(tag, fieldStart, 0);
    }
  }
}
