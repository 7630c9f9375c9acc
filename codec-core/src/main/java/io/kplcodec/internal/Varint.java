package io.kplcodec.internal;

/** Protobuf base-128 varints: sizes and writes. Reading lives in {@link WireCursor}, next to its bounds checks. */
public final class Varint {
  private Varint() {}

  /**
   * Bytes needed to encode {@code value} as an unsigned varint (1..10).
   *
   * @param value the value, read as unsigned: a negative one takes 10 bytes
   * @return the number of bytes {@link #write} writes for it, 1 to 10
   */
  public static int size(long value) {
    // Perf: branch-free from the leading-zero count, as protobuf-java does; 7 payload bits per byte.
    return (640 - 9 * Long.numberOfLeadingZeros(value | 1)) >>> 6;
  }

  /**
   * Writes {@code value} at {@code pos} and returns the position after it.
   *
   * @param dst the array to write into, with room for {@link #size} bytes at {@code pos}
   * @param pos index of the first byte to write
   * @param value the value, written as unsigned
   * @return {@code pos + size(value)}
   */
  public static int write(byte[] dst, int pos, long value) {
    while ((value & ~0x7FL) != 0) {
      dst[pos++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    dst[pos++] = (byte) value;
    return pos;
  }
}
