package io.kplcodec.compat;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;

/** Byte-level mutations of a protobuf message, biased toward the bytes that steer a parser. */
final class Mutator {
  private static final int[] INTERESTING = {0x00, 0x01, 0x02, 0x07, 0x08, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10,
      0x12, 0x1A, 0x22, 0x23, 0x24, 0x7F, 0x80, 0x81, 0xFF};
  private static final byte[][] CHUNKS = {
      Hex.parse("FFFFFFFF0F"), // 2^32 - 1
      Hex.parse("8080808010"), // 2^32
      Hex.parse("FFFFFFFF07"), // Integer.MAX_VALUE
      Hex.parse("80808080808080808001"), // 2^63
      Hex.parse("FFFFFFFFFFFFFFFFFF01"), // 2^64 - 1
      Hex.parse("80808080808080808000"), // 0 in ten bytes
      Hex.parse("8080808080808080807F"), // tenth byte above 1
      Hex.parse("80808080808080808080"), // eleven bytes needed
      Hex.parse("0800"), Hex.parse("1A00"), Hex.parse("0A00"), Hex.parse("1200"), Hex.parse("2200"),
      Hex.parse("1A020800"), Hex.parse("22020A00"), Hex.parse("0B0C"), Hex.parse("0C"), Hex.parse("0B")};

  private final Random random;

  Mutator(Random random) {
    this.random = random;
  }

  /** One mutation of {@code message} (half the time), or two to four. */
  byte[] mutate(byte[] message) {
    byte[] out = message;
    for (int n = random.nextBoolean() ? 1 : 2 + random.nextInt(3); n > 0; n--) {
      out = mutateOnce(out);
    }
    return out;
  }

  private byte[] mutateOnce(byte[] in) {
    if (in.length == 0) {
      return insert(in, 0, chunk());
    }
    int p = random.nextInt(in.length);
    byte[] out = in.clone();
    switch (random.nextInt(9)) {
      case 0:
        out[p] ^= (byte) (1 << random.nextInt(8));
        return out;
      case 1:
        out[p] = (byte) INTERESTING[random.nextInt(INTERESTING.length)];
        return out;
      case 2:
        out[p] += (byte) (random.nextBoolean() ? 1 : -1);
        return out;
      case 3:
        return insert(in, random.nextInt(in.length + 1), chunk());
      case 4: {
        int length = 1 + random.nextInt(Math.min(16, in.length - p));
        return concat(Arrays.copyOfRange(in, 0, p), Arrays.copyOfRange(in, p + length, in.length));
      }
      case 5:
        return Arrays.copyOf(in, p);
      case 6: {
        int length = 1 + random.nextInt(Math.min(32, in.length - p));
        return insert(in, random.nextInt(in.length + 1), Arrays.copyOfRange(in, p, p + length));
      }
      case 7: { // a one-byte varint made longer, keeping or changing its value
        int b = in[p] & 0xFF;
        if (b >= 0x80) {
          out[p] = (byte) INTERESTING[random.nextInt(INTERESTING.length)];
          return out;
        }
        byte[] longer = random.nextBoolean()
            ? Wire.varint(b, 2 + random.nextInt(9))
            : Wire.tenByteVarint(b, random.nextInt(0x80));
        return concat(concat(Arrays.copyOfRange(in, 0, p), longer), Arrays.copyOfRange(in, p + 1, in.length));
      }
      default: {
        byte[] noise = new byte[1 + random.nextInt(8)];
        random.nextBytes(noise);
        return insert(in, random.nextInt(in.length + 1), noise);
      }
    }
  }

  private byte[] chunk() {
    return CHUNKS[random.nextInt(CHUNKS.length)];
  }

  private static byte[] insert(byte[] in, int at, byte[] chunk) {
    return concat(concat(Arrays.copyOfRange(in, 0, at), chunk), Arrays.copyOfRange(in, at, in.length));
  }

  static byte[] concat(byte[] a, byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(a.length + b.length);
    out.writeBytes(a);
    out.writeBytes(b);
    return out.toByteArray();
  }
}
