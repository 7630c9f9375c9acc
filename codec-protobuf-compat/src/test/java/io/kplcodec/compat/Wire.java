package io.kplcodec.compat;

import java.io.ByteArrayOutputStream;
import java.util.Random;

/** Writes protobuf wire format by hand, including the non-canonical forms protobuf-java also accepts. */
final class Wire {
  static final int VARINT = 0;
  static final int FIXED64 = 1;
  static final int LENGTH_DELIMITED = 2;
  static final int START_GROUP = 3;
  static final int END_GROUP = 4;
  static final int FIXED32 = 5;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  byte[] toByteArray() {
    return out.toByteArray();
  }

  int size() {
    return out.size();
  }

  Wire raw(byte[] bytes) {
    out.writeBytes(bytes);
    return this;
  }

  Wire raw(int... bytes) {
    for (int b : bytes) {
      out.write(b);
    }
    return this;
  }

  /** Canonical varint. */
  Wire varint(long value) {
    return raw(varintBytes(value, 0));
  }

  /** A varint padded to {@code length} bytes (at least its canonical length, at most 10). */
  Wire paddedVarint(long value, int length) {
    return raw(varintBytes(value, length));
  }

  /** Mostly canonical; sometimes padded with redundant continuation bytes, up to the full 10. */
  Wire varint(long value, Random random) {
    if (random.nextInt(8) != 0) {
      return varint(value);
    }
    int canonical = varintSize(value);
    return paddedVarint(value, canonical + random.nextInt(10 - canonical + 1));
  }

  Wire tag(int fieldNumber, int wireType) {
    return varint(((long) fieldNumber << 3 | wireType) & 0xFFFFFFFFL);
  }

  Wire tag(int fieldNumber, int wireType, Random random) {
    return varint(((long) fieldNumber << 3 | wireType) & 0xFFFFFFFFL, random);
  }

  Wire lengthDelimited(int fieldNumber, byte[] payload, Random random) {
    tag(fieldNumber, LENGTH_DELIMITED, random);
    varint(payload.length, random);
    return raw(payload);
  }

  Wire lengthDelimited(int fieldNumber, byte[] payload) {
    tag(fieldNumber, LENGTH_DELIMITED);
    varint(payload.length);
    return raw(payload);
  }

  static int varintSize(long value) {
    int size = 1;
    while ((value & ~0x7FL) != 0) {
      value >>>= 7;
      size++;
    }
    return size;
  }

  /** The varint of {@code value} in {@code length} bytes (0: canonical). */
  static byte[] varintBytes(long value, int length) {
    int canonical = varintSize(value);
    int n = Math.max(canonical, length);
    if (n > 10) {
      throw new IllegalArgumentException("A varint has at most 10 bytes: " + length);
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

  /** A 10-byte varint whose last byte is {@code lastByte} (0..0x7F) over the low 63 bits of {@code value}. */
  static byte[] tenByteVarint(long value, int lastByte) {
    byte[] bytes = varintBytes(value & Long.MAX_VALUE, 10);
    bytes[9] = (byte) lastByte;
    return bytes;
  }
}
