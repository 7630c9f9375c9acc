package io.kplcodec.compat;

/**
 * Protobuf wire format written by hand: wire types, varints and tags, including the non-canonical forms a
 * generator needs (padded varints, ten-byte varints carrying bits beyond 64) and protobuf-java's lenient reading of
 * a varint. For tests and fuzzers that write encodings protobuf-java's own writer never produces.
 *
 * <p>Stateless and thread-safe; every method returns a new array.
 */
public final class Wire {
  /** Wire type 0. */
  public static final int VARINT = 0;
  /** Wire type 1. */
  public static final int FIXED64 = 1;
  /** Wire type 2. */
  public static final int LENGTH_DELIMITED = 2;
  /** Wire type 3. */
  public static final int START_GROUP = 3;
  /** Wire type 4. */
  public static final int END_GROUP = 4;
  /** Wire type 5. */
  public static final int FIXED32 = 5;

  private Wire() {}

  /** Canonical length of the varint of {@code value} (1..10). */
  public static int varintSize(long value) {
    int size = 1;
    while ((value & ~0x7FL) != 0) {
      value >>>= 7;
      size++;
    }
    return size;
  }

  /** The canonical varint of {@code value}. */
  public static byte[] varint(long value) {
    return varint(value, 0);
  }

  /**
   * The varint of {@code value} in {@code length} bytes, padded with redundant continuation bytes (0 or less than
   * its canonical length: canonical).
   *
   * @throws IllegalArgumentException if {@code length} is over 10
   */
  public static byte[] varint(long value, int length) {
    int n = Math.max(varintSize(value), length);
    if (n > 10) {
      throw new IllegalArgumentException("A varint has at most 10 bytes, not " + length);
    }
    byte[] bytes = new byte[n];
    for (int i = 0; i < n; i++) {
      bytes[i] = (byte) ((value >>> (7 * i)) & 0x7F);
      if (i < n - 1) {
        bytes[i] |= (byte) 0x80;
      }
    }
    return bytes;
  }

  /**
   * Ten varint bytes carrying the low 63 bits of {@code value}, the last one {@code lastByte} as given (its low 8
   * bits). 0 or 1: a valid varint. 2..0x7F: bits beyond 64, which protobuf-java drops and a strict reader rejects.
   * 0x80 and above: the varint continues past ten bytes, which every reader rejects.
   */
  public static byte[] tenByteVarint(long value, int lastByte) {
    byte[] bytes = varint(value & Long.MAX_VALUE, 10);
    bytes[9] = (byte) lastByte;
    return bytes;
  }

  /** The canonical varint of the tag of field {@code fieldNumber} with {@code wireType}, as 32 bits. */
  public static byte[] tag(int fieldNumber, int wireType) {
    return varint(((long) fieldNumber << 3 | wireType) & 0xFFFFFFFFL);
  }

  /**
   * The varint at the start of {@code bytes} as protobuf-java reads it: at most ten bytes, modulo 2^64 (bits beyond
   * 64 dropped). -1 (as is 2^64 - 1) if it does not end within ten bytes or within {@code bytes}.
   */
  public static long readLenient(byte[] bytes) {
    long value = 0;
    for (int i = 0; i < bytes.length && i < 10; i++) {
      value |= (long) (bytes[i] & 0x7F) << (7 * i);
      if (bytes[i] >= 0) {
        return value;
      }
    }
    return -1;
  }
}
