package io.kplcodec.internal;

import io.kplcodec.CorruptAggregateException;
import io.kplcodec.CorruptAggregateException.Reason;

/**
 * A cursor over protobuf wire data in a byte array: reads varints, tags and lengths and skips fields as protobuf-java
 * does, checking every read against the limit of the enclosing message. The one varint reader of codec-core.
 *
 * <p>Positions are indexes of the caller's buffer: buffer index {@code i} is array index {@code base + i}. Every
 * failure is a {@link CorruptAggregateException} carrying the offending field's offset from {@link #origin}. Nothing
 * is allocated from a declared length; lengths are compared with what remains in {@code long} arithmetic.
 *
 * <p>Reused; not thread-safe.
 */
public final class WireCursor {
  /** protobuf-java's default recursion limit. */
  private static final int MAX_DEPTH = 100;

  byte[] array;
  int base;
  /** The buffer index that offsets in exceptions count from (a Kinesis record's first byte). */
  int origin;
  /** The next index to read, and the end of the message being read. */
  int pos;
  int limit;

  /** A cursor over nothing, until {@link #reset}. */
  public WireCursor() {}

  /**
   * Points the cursor at {@code [from, to)} of a buffer whose index {@code i} is at {@code array[base + i]}.
   *
   * @param array the array holding the buffer's bytes
   * @param base array index of buffer index 0 (negative when the array holds a copy of a later part of the buffer)
   * @param from buffer index of the first byte to read
   * @param to buffer index just past the message: no read goes beyond it
   * @param origin the buffer index that offsets in exceptions count from
   */
  public void reset(byte[] array, int base, int from, int to, int origin) {
    this.array = array;
    this.base = base;
    this.origin = origin;
    this.pos = from;
    this.limit = to;
  }

  /**
   * The next index to read.
   *
   * @return the buffer index of the next byte to read
   */
  public int position() {
    return pos;
  }

  /**
   * Moves to {@code index}.
   *
   * @param index the buffer index to read next; not checked against the limit
   */
  public void position(int index) {
    pos = index;
  }

  /**
   * A field tag: field number at least 1, within 32 bits.
   *
   * @param fieldStart buffer index of the field being read, for the offset of a {@link CorruptAggregateException}
   * @return the tag, {@code fieldNumber << 3 | wireType}
   * @throws CorruptAggregateException if the varint is truncated or malformed, or the tag is invalid
   */
  public int readTag(int fieldStart) {
    long tag = readVarint(fieldStart);
    if (tag >>> 32 != 0 || tag >>> 3 == 0) {
      throw corrupt(fieldStart, Reason.INVALID_TAG);
    }
    return (int) tag;
  }

  /**
   * A length, checked against what remains of the enclosing message.
   *
   * @param fieldStart buffer index of the field being read, for the offset of a {@link CorruptAggregateException}
   * @return the length, at most the bytes remaining before the limit
   * @throws CorruptAggregateException if the varint is truncated or malformed, or the length exceeds what remains
   */
  public int readLength(int fieldStart) {
    long length = readVarint(fieldStart);
    // Unsigned compare: a length of 2^63 or more is negative as a long and must not slip through.
    if (Long.compareUnsigned(length, limit - pos) > 0) {
      throw corrupt(fieldStart, Reason.LENGTH_EXCEEDS_INPUT);
    }
    return (int) length;
  }

  /**
   * An unsigned varint of at most ten bytes and 64 bits.
   *
   * @param fieldStart buffer index of the field being read, for the offset of a {@link CorruptAggregateException}
   * @return the value, unsigned (negative above 2^63 - 1)
   * @throws CorruptAggregateException if the input ends inside the varint, or it is malformed
   */
  public long readVarint(int fieldStart) {
    byte[] a = array;
    int b0 = base;
    int p = pos;
    int end = limit;
    if (p < end) {
      // Tags, table indexes and the lengths of small records are one byte: no loop for them.
      byte first = a[b0 + p];
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
      byte b = a[b0 + p++];
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

  /**
   * Skips a field the schema does not know (or knows with another wire type), as protobuf-java does.
   *
   * @param tag the field's tag, already read
   * @param fieldStart buffer index of the field being read, for the offset of a {@link CorruptAggregateException}
   * @param depth nesting depth of the field's message (0 for the aggregate's own fields), for the limit on groups
   * @throws CorruptAggregateException if the field is malformed or truncated, or groups nest deeper than 100 levels
   */
  public void skipField(int tag, int fieldStart, int depth) {
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

  /**
   * The exception for a problem with the field at buffer index {@code index}.
   *
   * @param index buffer index of the offending field
   * @param reason what is wrong with it
   * @return the exception, its offset counted from the origin, for the caller to throw
   */
  public CorruptAggregateException corrupt(int index, Reason reason) {
    return new CorruptAggregateException((long) index - origin, reason);
  }
}
