package io.kplcodec.internal;

import java.nio.ByteBuffer;

/** The KPL framing around the protobuf message: magic {@code F3 89 9A C2} before it, its MD5 after it. */
public final class Framing {
  private Framing() {}

  /** The magic as a big-endian int: no array a caller could change. */
  private static final int MAGIC = 0xF3899AC2;
  /** Bytes of magic before the message. */
  public static final int MAGIC_LENGTH = 4;
  /** Magic plus digest: what an empty message costs. */
  public static final int OVERHEAD = MAGIC_LENGTH + Md5.LENGTH;
  /** KCL treats anything shorter than magic + digest + one byte as not aggregated; so do we. */
  public static final int MIN_AGGREGATED_LENGTH = OVERHEAD + 1;

  // Protobuf tags (field number << 3 | wire type) of the fields kpl-codec writes.
  /** AggregatedRecord's partition_key_table: field 1, length-delimited. */
  public static final byte PARTITION_KEY_TABLE_TAG = 0x0A;
  /** AggregatedRecord's explicit_hash_key_table: field 2, length-delimited. */
  public static final byte EXPLICIT_HASH_KEY_TABLE_TAG = 0x12;
  /** AggregatedRecord's records: field 3, length-delimited. */
  public static final byte RECORD_TAG = 0x1A;
  /** Record's partition_key_index: field 1, varint. */
  public static final byte PARTITION_KEY_INDEX_TAG = 0x08;
  /** Record's explicit_hash_key_index: field 2, varint. */
  public static final byte EXPLICIT_HASH_KEY_INDEX_TAG = 0x10;
  /** Record's data: field 3, length-delimited (the same byte as {@link #RECORD_TAG}, one message down). */
  public static final byte DATA_TAG = 0x1A;

  /**
   * Whether {@code buffer[from, from + 4)} holds the magic (absolute indexes).
   *
   * @param buffer the buffer to look in; its position is not moved
   * @param from index of the first of the four bytes; the caller ensured they are within the limit
   * @return true if the four bytes are {@code F3 89 9A C2}
   */
  public static boolean hasMagic(ByteBuffer buffer, int from) {
    for (int i = 0; i < MAGIC_LENGTH; i++) {
      if (buffer.get(from + i) != (byte) (MAGIC >>> (24 - 8 * i))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Writes the magic at {@code destination}'s position, advancing it.
   *
   * @param destination where to write; at least four bytes must remain
   */
  public static void putMagic(ByteBuffer destination) {
    for (int i = 0; i < MAGIC_LENGTH; i++) {
      destination.put((byte) (MAGIC >>> (24 - 8 * i)));
    }
  }

  /**
   * Encoded length of one Record message's body.
   *
   * @param partitionKeyIndex the record's index in the partition key table, not negative
   * @param explicitHashKeyIndex its index in the explicit hash key table, or -1 (any negative) when it has none
   * @param dataLength its data length in bytes, not negative
   * @return the body's length in bytes: its index and data fields, without the Record field's own tag and length
   */
  public static long recordBodySize(int partitionKeyIndex, int explicitHashKeyIndex, long dataLength) {
    long size = 1 + Varint.size(partitionKeyIndex) + 1 + Varint.size(dataLength) + dataLength;
    if (explicitHashKeyIndex >= 0) {
      size += 1 + Varint.size(explicitHashKeyIndex);
    }
    return size;
  }

  /**
   * Encoded length of one Record field of the aggregate: tag, length varint, body.
   *
   * @param partitionKeyIndex the record's index in the partition key table, not negative
   * @param explicitHashKeyIndex its index in the explicit hash key table, or -1 (any negative) when it has none
   * @param dataLength its data length in bytes, not negative
   * @return the field's length in bytes, as the record adds it to the aggregate
   */
  public static long recordFieldSize(int partitionKeyIndex, int explicitHashKeyIndex, long dataLength) {
    long body = recordBodySize(partitionKeyIndex, explicitHashKeyIndex, dataLength);
    return 1 + Varint.size(body) + body;
  }
}
