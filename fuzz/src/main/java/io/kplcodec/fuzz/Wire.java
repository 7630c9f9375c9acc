package io.kplcodec.fuzz;

import java.io.ByteArrayOutputStream;

/** Protobuf varints and tags written by hand, including the non-canonical forms a generator needs. */
final class Wire {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int START_GROUP = 3;
  static final int END_GROUP = 4;
  static final int FIXED32 = 5;

  private Wire() {}

  /** Canonical length of the varint of {@code value} (1..10). */
  static int varintSize(long value) {
    int size = 1;
    while ((value & ~0x7FL) != 0) {
      value >>>= 7;
      size++;
    }
    return size;
  }

  /** The varint of {@code value} in {@code length} bytes (at least its canonical length, at most 10; 0: canonical). */
  static byte[] varint(long value, int length) {
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

  static byte[] varint(long value) {
    return varint(value, 0);
  }

  /**
   * A ten-byte varint carrying the low 63 bits of {@code value}, whose last byte is {@code lastByte} (0..0x7F).
   * A last byte above 1 puts bits beyond 64: protobuf-java drops them, a strict reader rejects the varint.
   */
  static byte[] tenByteVarint(long value, int lastByte) {
    byte[] bytes = varint(value & Long.MAX_VALUE, 10);
    bytes[9] = (byte) (lastByte & 0x7F);
    return bytes;
  }

  /** Value of the varint at the start of {@code bytes} modulo 2^64 (bits beyond 64 dropped), or -1 if unterminated. */
  static long readLenient(byte[] bytes) {
    long value = 0;
    for (int i = 0; i < bytes.length && i < 10; i++) {
      value |= (long) (bytes[i] & 0x7F) << (7 * i);
      if (bytes[i] >= 0) {
        return value;
      }
    }
    return -1;
  }

  static byte[] tag(int fieldNumber, int wireType) {
    return varint(((long) fieldNumber << 3 | wireType) & 0xFFFFFFFFL);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
