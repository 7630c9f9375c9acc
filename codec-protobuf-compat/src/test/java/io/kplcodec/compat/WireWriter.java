package io.kplcodec.compat;

import java.io.ByteArrayOutputStream;
import java.util.Random;

/**
 * Writes protobuf wire format by hand into one growing array, including the non-canonical forms protobuf-java also
 * accepts. The varints are {@link Wire}'s. Not thread-safe.
 */
final class WireWriter {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  byte[] toByteArray() {
    return out.toByteArray();
  }

  WireWriter raw(byte[] bytes) {
    out.writeBytes(bytes);
    return this;
  }

  WireWriter raw(int... bytes) {
    for (int b : bytes) {
      out.write(b);
    }
    return this;
  }

  /** Canonical varint. */
  WireWriter varint(long value) {
    return raw(Wire.varint(value));
  }

  /** Mostly canonical; sometimes padded with redundant continuation bytes, up to the full 10. */
  WireWriter varint(long value, Random random) {
    if (random.nextInt(8) != 0) {
      return varint(value);
    }
    int canonical = Wire.varintSize(value);
    return raw(Wire.varint(value, canonical + random.nextInt(10 - canonical + 1)));
  }

  WireWriter tag(int fieldNumber, int wireType) {
    return raw(Wire.tag(fieldNumber, wireType));
  }
}
