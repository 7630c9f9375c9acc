package io.kplcodec;

import io.kplcodec.internal.Framing;
import io.kplcodec.internal.HashKey;
import io.kplcodec.internal.KeyTable;
import io.kplcodec.internal.Md5;
import io.kplcodec.internal.Utf8;
import io.kplcodec.internal.Varint;
import io.kplcodec.internal.WireCursor;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * The wire layer: encodes user records into one aggregated record, {@code magic | AggregatedRecord | MD5}, byte for
 * byte as protobuf-java serializes the same message (partition-key table, then explicit-hash-key table, then
 * records; both tables deduplicated by {@link String#equals}, in first-use order).
 *
 * <p>It knows its exact encoded size at all times, and {@link #sizeWith} says what the size would be with one more
 * user record without encoding anything, in time independent of how many user records the aggregate holds: a table
 * lookup per key (a hash of the key's characters) and the UTF-8 length of a key new to the table. Keys are encoded as
 * protobuf-java encodes them: an unpaired surrogate becomes {@code '?'}.
 *
 * <p>Explicit hash keys: as the KPL, the encoder takes them in any form the KPL's {@code addUserRecord} accepts ({@code
 * new BigInteger(key.trim())} in 0..2^128-1) and writes their canonical decimal form {@code 0|[1-9][0-9]{0,38}},
 * de-duplicated after canonicalisation: {@code "00042"}, {@code "+42"} and {@code " 42"} are one table entry, {@code
 * "42"}. Accepted: characters up to U+0020 around the number (dropped, as {@link String#trim}), an optional {@code +}
 * or {@code -}, decimal digits (ASCII, or other Unicode decimal digits as {@code BigInteger} reads them) with any
 * number of leading zeros, a value in 0..2^128-1 ({@code -0} is 0). Anything else (not a number, negative, above
 * 2^128-1) is refused with an {@link IllegalArgumentException} naming the problem, as the KPL refuses it. An already
 * canonical key costs one scan of its at most 39 characters and no allocation.
 *
 * <p>This class applies no Kinesis limits and checks partition keys for nothing but null (see {@link Aggregator}
 * for that); it only refuses to grow past what a Java array can hold. User data is copied when added, so callers may
 * reuse their arrays. After an encode, the encoder keeps its content until {@link #reset}.
 *
 * <p>Not thread-safe: use one encoder per thread. Steady-state use (add, encode into a pooled buffer, reset)
 * allocates nothing.
 */
public final class AggregateEncoder {
  /** Largest aggregate this encoder produces: the largest byte array most JVMs allow. */
  static final int MAX_ENCODED_SIZE = Integer.MAX_VALUE - 8;

  private final KeyTable partitionKeys = new KeyTable();
  private final KeyTable explicitHashKeys = new KeyTable();
  private final Md5 md5 = new Md5();
  /** Encoded Record fields, in order; the tables are encoded only when the aggregate is. */
  private byte[] records = new byte[1024];
  private int recordsLength;
  private int userRecordCount;
  private byte[] tables = new byte[256];
  private int firstDataOffset;
  private int firstDataLength;
  // Left by lookUp for addHeader: table indexes of the record's keys, UTF-8 lengths of keys new to the tables
  // (-1 when already present), and the Record body's length. Perf: spares addHeader a second table lookup.
  private int lookedUpPartitionKeyIndex;
  private int lookedUpNewPartitionKeyLength;
  private int lookedUpExplicitHashKeyIndex;
  private int lookedUpNewExplicitHashKeyLength;
  private long lookedUpRecordBody;
  // Perf: the user record the lookedUp fields describe, and the size with it. Aggregator calls sizeWith and then add
  // with the same arguments, and add reuses that lookup. Cleared by every change to the tables.
  private String lookedUpPartitionKey;
  private String lookedUpExplicitHashKey;
  /** The canonical form of {@code lookedUpExplicitHashKey}: what goes into the table. */
  private String lookedUpCanonicalExplicitHashKey;
  private int lookedUpDataLength;
  private long lookedUpSize;

  /** An empty encoder. */
  public AggregateEncoder() {}

  /**
   * Exact size in bytes of the aggregated record as it stands, framing included.
   *
   * @return the size {@link #encodeTo} would write: 20 (magic and MD5) when empty, at most 2^31 - 9
   */
  public long size() {
    return Framing.OVERHEAD + partitionKeys.encodedSize() + explicitHashKeys.encodedSize() + recordsLength;
  }

  /** {@link #size()} as an int, for buffers: an encoder never grows past {@link #MAX_ENCODED_SIZE}. */
  int encodedSize() {
    return (int) size();
  }

  /**
   * Number of user records added since the last reset.
   *
   * @return the count, 0 for a new or reset encoder
   */
  public int userRecordCount() {
    return userRecordCount;
  }

  /**
   * Exact size in bytes the aggregated record would have with this user record added, framing included (its
   * explicit hash key counted in its canonical form, as it would be written).
   *
   * @param partitionKey the user record's partition key
   * @param explicitHashKey its explicit hash key in any form the KPL accepts (see the class comment), or null
   * @param dataLength its data length in bytes, not negative
   * @return what {@link #size()} would be after adding the record; the encoder does not change
   * @throws IllegalArgumentException if the explicit hash key is not a hash key, or {@code dataLength} is negative
   * @throws NullPointerException if {@code partitionKey} is null
   */
  public long sizeWith(String partitionKey, String explicitHashKey, int dataLength) {
    return lookUp(partitionKey, explicitHashKey, dataLength);
  }

  /**
   * Adds a user record, copying its data.
   *
   * @param partitionKey the user record's partition key
   * @param explicitHashKey its explicit hash key in any form the KPL accepts (written canonically, see the class
   *     comment), or null
   * @param data its data; copied, so the caller may reuse the array
   * @throws IllegalArgumentException if the explicit hash key is not a hash key; nothing is added then
   * @throws IllegalStateException if the aggregate would grow past 2^31 - 9 bytes; nothing is added then
   */
  public void add(String partitionKey, String explicitHashKey, byte[] data) {
    add(partitionKey, explicitHashKey, data, 0, data.length);
  }

  /**
   * Adds a user record, copying {@code data[offset, offset + length)}.
   *
   * @param partitionKey the user record's partition key
   * @param explicitHashKey its explicit hash key in any form the KPL accepts, or null
   * @param data the array holding its data; the range is copied, so the caller may reuse the array
   * @param offset index in {@code data} of the first byte of the user record's data
   * @param length number of bytes of data
   * @throws IndexOutOfBoundsException if the range is not within {@code data}; nothing is added then
   * @see #add(String, String, byte[])
   */
  public void add(String partitionKey, String explicitHashKey, byte[] data, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, data.length);
    int dataStart = addHeader(partitionKey, explicitHashKey, length);
    System.arraycopy(data, offset, records, dataStart, length);
  }

  /**
   * Adds a user record, copying {@code data}'s remaining bytes without moving its position.
   *
   * @param partitionKey the user record's partition key
   * @param explicitHashKey its explicit hash key in any form the KPL accepts, or null
   * @param data the user record's data, from position to limit (heap, direct or read-only); copied, so the caller
   *     may reuse the buffer
   * @see #add(String, String, byte[])
   */
  public void add(String partitionKey, String explicitHashKey, ByteBuffer data) {
    int length = data.remaining();
    int dataStart = addHeader(partitionKey, explicitHashKey, length);
    if (data.hasArray()) {
      System.arraycopy(data.array(), data.arrayOffset() + data.position(), records, dataStart, length);
    } else {
      data.duplicate().get(records, dataStart, length);
    }
  }

  /**
   * Writes the aggregated record at {@code destination}'s position, advancing it by {@link #size()}.
   *
   * @param destination where to write; nothing is written if it is too small
   * @throws java.nio.BufferOverflowException if fewer than {@link #size()} bytes remain
   */
  public void encodeTo(ByteBuffer destination) {
    if (destination.remaining() < encodedSize()) {
      throw new java.nio.BufferOverflowException();
    }
    int tablesLength = encodeTables();
    java.security.MessageDigest digest = md5.digest();
    digest.update(tables, 0, tablesLength);
    digest.update(records, 0, recordsLength);
    byte[] checksum = md5.complete();
    Framing.putMagic(destination);
    destination.put(tables, 0, tablesLength).put(records, 0, recordsLength).put(checksum);
  }

  /**
   * The aggregated record as a new array.
   *
   * @return a new array of {@link #size()} bytes, owned by the caller
   */
  public byte[] toByteArray() {
    byte[] out = new byte[encodedSize()];
    encodeTo(ByteBuffer.wrap(out));
    return out;
  }

  /**
   * The aggregated record in a buffer from {@code pool}, with position 0 and limit {@link #size()}. The caller owns
   * the buffer and gives it back with {@link BufferPool#release} once done with it (or never, and the GC takes it).
   *
   * @param pool where the buffer comes from
   * @return the buffer holding the aggregated record, ready to read
   */
  public ByteBuffer encode(BufferPool pool) {
    ByteBuffer out = pool.acquire(encodedSize());
    encodeTo(out);
    out.flip();
    return out;
  }

  /** Forgets all user records and keys; buffers are kept for reuse. */
  public void reset() {
    lookedUpPartitionKey = null;
    partitionKeys.clear();
    explicitHashKeys.clear();
    recordsLength = 0;
    userRecordCount = 0;
  }

  // Package-private views for Aggregator, which sends a lone user record raw.

  String partitionKey(int index) {
    return partitionKeys.key(index);
  }

  String explicitHashKeyOrNull(int index) {
    return index < explicitHashKeys.size() ? explicitHashKeys.key(index) : null;
  }

  /** Copies the first user record's data into {@code destination} at its position. */
  void copyFirstData(ByteBuffer destination) {
    destination.put(records, firstDataOffset, firstDataLength);
  }

  int firstDataLength() {
    return firstDataLength;
  }

  /**
   * Receives staged user records with the very partition key strings they were added with, and their explicit hash
   * keys in canonical form.
   */
  interface StagedRecordSink {
    void accept(String partitionKey, String explicitHashKey, byte[] data, int offset, int length);
  }

  /** Walks the staged records in order (for re-routing after a reshard); they stay staged. */
  void forEachStaged(StagedRecordSink sink) {
    WireCursor in = new WireCursor(); // the encoder wrote these fields, so every read succeeds
    in.reset(records, 0, 0, recordsLength, 0);
    while (in.position() < recordsLength) {
      in.position(in.position() + 1); // Record tag
      in.readVarint(0); // Record length
      in.position(in.position() + 1); // partition_key_index tag
      int partitionKeyIndex = (int) in.readVarint(0);
      String explicitHashKey = null;
      if (records[in.position()] == Framing.EXPLICIT_HASH_KEY_INDEX_TAG) {
        in.position(in.position() + 1);
        explicitHashKey = explicitHashKeys.key((int) in.readVarint(0));
      }
      in.position(in.position() + 1); // data tag
      int length = (int) in.readVarint(0);
      sink.accept(partitionKeys.key(partitionKeyIndex), explicitHashKey, records, in.position(), length);
      in.position(in.position() + length);
    }
  }

  /**
   * Finds the user record's keys in the tables (or where they would go) and returns the aggregate's size with the
   * record; changes nothing. Results are left in the {@code lookedUp} fields for {@link #addHeader}.
   */
  private long lookUp(String partitionKey, String explicitHashKey, int dataLength) {
    Objects.requireNonNull(partitionKey, "partitionKey");
    if (dataLength < 0) {
      throw new IllegalArgumentException("data length must not be negative: " + dataLength);
    }
    long size = size();
    int partitionKeyIndex = partitionKeys.indexOf(partitionKey);
    int partitionKeyLength = -1;
    if (partitionKeyIndex < 0) {
      partitionKeyIndex = partitionKeys.size();
      partitionKeyLength = Utf8.encodedLength(partitionKey);
      size += KeyTable.fieldSize(partitionKeyLength);
    }
    int explicitHashKeyIndex = -1;
    int explicitHashKeyLength = -1;
    String canonicalExplicitHashKey = null;
    if (explicitHashKey != null) {
      // As the KPL: canonical first, then de-duplicated ("00042" and "+42" share the entry "42").
      canonicalExplicitHashKey = HashKey.canonicalExplicitHashKey(explicitHashKey);
      explicitHashKeyIndex = explicitHashKeys.indexOf(canonicalExplicitHashKey);
      if (explicitHashKeyIndex < 0) {
        explicitHashKeyIndex = explicitHashKeys.size();
        explicitHashKeyLength = canonicalExplicitHashKey.length(); // ASCII digits: one byte each
        size += KeyTable.fieldSize(explicitHashKeyLength);
      }
    }
    lookedUpPartitionKeyIndex = partitionKeyIndex;
    lookedUpNewPartitionKeyLength = partitionKeyLength;
    lookedUpExplicitHashKeyIndex = explicitHashKeyIndex;
    lookedUpNewExplicitHashKeyLength = explicitHashKeyLength;
    lookedUpRecordBody = Framing.recordBodySize(partitionKeyIndex, explicitHashKeyIndex, dataLength);
    lookedUpPartitionKey = partitionKey;
    lookedUpExplicitHashKey = explicitHashKey;
    lookedUpCanonicalExplicitHashKey = canonicalExplicitHashKey;
    lookedUpDataLength = dataLength;
    lookedUpSize = size + 1 + Varint.size(lookedUpRecordBody) + lookedUpRecordBody;
    return lookedUpSize;
  }

  /** Validates, reserves room, writes the record's header and returns where its data goes. */
  private int addHeader(String partitionKey, String explicitHashKey, int dataLength) {
    boolean lookedUp = partitionKey != null
        && partitionKey == lookedUpPartitionKey
        && explicitHashKey == lookedUpExplicitHashKey
        && dataLength == lookedUpDataLength;
    long newSize = lookedUp ? lookedUpSize : lookUp(partitionKey, explicitHashKey, dataLength);
    if (newSize > MAX_ENCODED_SIZE) {
      throw new IllegalStateException(
          "An aggregate cannot exceed " + MAX_ENCODED_SIZE + " bytes; this user record would make it " + newSize);
    }
    // Nothing has changed so far; from here on the record is added.
    lookedUpPartitionKey = null;
    if (lookedUpNewPartitionKeyLength >= 0) {
      partitionKeys.add(partitionKey, lookedUpNewPartitionKeyLength);
    }
    if (lookedUpNewExplicitHashKeyLength >= 0) {
      explicitHashKeys.add(lookedUpCanonicalExplicitHashKey, lookedUpNewExplicitHashKeyLength);
    }
    long body = lookedUpRecordBody;
    long field = 1 + Varint.size(body) + body;
    int needed = (int) (recordsLength + field);
    if (needed > records.length) {
      records = Arrays.copyOf(records, (int) Math.min(MAX_ENCODED_SIZE, Math.max(needed, 2L * records.length)));
    }
    byte[] out = records; // Perf: one local for the header writes
    int p = recordsLength;
    out[p++] = Framing.RECORD_TAG;
    p = Varint.write(out, p, body);
    out[p++] = Framing.PARTITION_KEY_INDEX_TAG;
    p = Varint.write(out, p, lookedUpPartitionKeyIndex);
    if (lookedUpExplicitHashKeyIndex >= 0) {
      out[p++] = Framing.EXPLICIT_HASH_KEY_INDEX_TAG;
      p = Varint.write(out, p, lookedUpExplicitHashKeyIndex);
    }
    out[p++] = Framing.DATA_TAG;
    p = Varint.write(out, p, dataLength);
    if (userRecordCount == 0) {
      firstDataOffset = p;
      firstDataLength = dataLength;
    }
    recordsLength = needed;
    userRecordCount++;
    return p;
  }

  private int encodeTables() {
    int length = (int) (partitionKeys.encodedSize() + explicitHashKeys.encodedSize());
    if (tables.length < length) {
      tables = new byte[Math.max(length, tables.length * 2)];
    }
    int p = writeTable(partitionKeys, Framing.PARTITION_KEY_TABLE_TAG, 0);
    writeTable(explicitHashKeys, Framing.EXPLICIT_HASH_KEY_TABLE_TAG, p);
    return length;
  }

  private int writeTable(KeyTable table, byte tag, int p) {
    for (int i = 0; i < table.size(); i++) {
      tables[p++] = tag;
      p = Varint.write(tables, p, table.encodedLength(i));
      p = table.isAscii(i) ? Utf8.encodeAscii(table.key(i), tables, p) : Utf8.encode(table.key(i), tables, p);
    }
    return p;
  }
}
