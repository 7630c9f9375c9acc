package io.kplcodec.internal;

import java.nio.ByteBuffer;

/** The KPL framing around the protobuf message: magic {@code F3 89 9A C2} before it, its MD5 after it. */
public final class Framing {
  private Framing() {}

  /** The magic as a big-endian int: no array a caller could change. */
  private static final int MAGIC = 0xF3899AC2;
  public static final int MAGIC_LENGTH = 4;
  /** Magic plus digest: what an empty message costs. */
  public static final int OVERHEAD = MAGIC_LENGTH + Md5.LENGTH;
  /** KCL treats anything shorter than magic + digest + one byte as not aggregated; so do we. */
  public static final int MIN_AGGREGATED_LENGTH = OVERHEAD + 1;

  /** Protobuf tags (field number << 3 | wire type 2) of the fields kpl-codec writes. */
  public static final byte PARTITION_KEY_TABLE_TAG = 0x0A;
  public static final byte EXPLICIT_HASH_KEY_TABLE_TAG = 0x12;
  public static final byte RECORD_TAG = 0x1A;
  public static final byte PARTITION_KEY_INDEX_TAG = 0x08;
  public static final byte EXPLICIT_HASH_KEY_INDEX_TAG = 0x10;
  public static final byte DATA_TAG = 0x1A;

  /** Whether {@code buffer[from, from + 4)} holds the magic (absolute indexes). */
  public static boolean hasMagic(ByteBuffer buffer, int from) {
    for (int i = 0; i < MAGIC_LENGTH; i++) {
      if (buffer.get(from + i) != (byte) (MAGIC >>> (24 - 8 * i))) {
        return false;
      }
    }
    return true;
  }

  /** Writes the magic at {@code destination}'s position, advancing it. */
  public static void putMagic(ByteBuffer destination) {
    for (int i = 0; i < MAGIC_LENGTH; i++) {
      destination.put((byte) (MAGIC >>> (24 - 8 * i)));
    }
  }

  /** Encoded length of one Record message's body. */
  public static long recordBodySize(int partitionKeyIndex, int explicitHashKeyIndex, long dataLength) {
    long size = 1 + Varint.size(partitionKeyIndex) + 1 + Varint.size(dataLength) + dataLength;
    if (explicitHashKeyIndex >= 0) {
      size += 1 + Varint.size(explicitHashKeyIndex);
    }
    return size;
  }

  /** Encoded length of one Record field of the aggregate: tag, length varint, body. */
  public static long recordFieldSize(int partitionKeyIndex, int explicitHashKeyIndex, long dataLength) {
    long body = recordBodySize(partitionKeyIndex, explicitHashKeyIndex, dataLength);
    return 1 + Varint.size(body) + body;
  }
}
