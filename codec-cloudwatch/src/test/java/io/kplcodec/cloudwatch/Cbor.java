package io.kplcodec.cloudwatch;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A CBOR (RFC 8949) decoder for what Smithy RPC v2 CBOR sends, written here so that the fake CloudWatch does not
 * read requests with the SDK's own parser: maps become {@link LinkedHashMap}s, arrays {@link List}s, text {@link
 * String}s, integers {@link Long}s, floats {@link Double}s, byte strings {@code byte[]}, a tagged item a {@link
 * Tagged} (tag 1 is a timestamp); definite and indefinite lengths. Anything else fails with the offset.
 */
final class Cbor {
  /** A tagged item, e.g. tag 1 (epoch seconds) for a timestamp. */
  record Tagged(long tag, Object value) {}

  private static final Object BREAK = new Object();
  private final ByteBuffer in;

  private Cbor(byte[] bytes) {
    this.in = ByteBuffer.wrap(bytes);
  }

  /** The one item in {@code bytes}. */
  static Object decode(byte[] bytes) {
    Cbor cbor = new Cbor(bytes);
    Object item = cbor.item();
    if (item == BREAK || cbor.in.hasRemaining()) {
      throw new IllegalArgumentException("not one CBOR item: " + cbor.in.remaining() + " bytes left at "
          + cbor.in.position());
    }
    return item;
  }

  private Object item() {
    int initial = in.get() & 0xff;
    int major = initial >>> 5;
    int info = initial & 0x1f;
    if (major == 7) {
      return simple(info);
    }
    if (info == 31) {
      return indefinite(major);
    }
    long argument = argument(info);
    switch (major) {
      case 0:
        return argument;
      case 1:
        return -1 - argument;
      case 2:
        return bytes(argument);
      case 3:
        return new String(bytes(argument), StandardCharsets.UTF_8);
      case 4: {
        List<Object> list = new ArrayList<>();
        for (long i = 0; i < argument; i++) {
          list.add(item());
        }
        return list;
      }
      case 5: {
        Map<Object, Object> map = new LinkedHashMap<>();
        for (long i = 0; i < argument; i++) {
          map.put(item(), item());
        }
        return map;
      }
      case 6:
        return new Tagged(argument, item());
      default:
        throw error("major type " + major);
    }
  }

  private Object indefinite(int major) {
    switch (major) {
      case 2:
      case 3: {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (Object chunk = item(); chunk != BREAK; chunk = item()) {
          out.writeBytes(chunk instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : (byte[]) chunk);
        }
        return major == 2 ? out.toByteArray() : out.toString(StandardCharsets.UTF_8);
      }
      case 4: {
        List<Object> list = new ArrayList<>();
        for (Object item = item(); item != BREAK; item = item()) {
          list.add(item);
        }
        return list;
      }
      case 5: {
        Map<Object, Object> map = new LinkedHashMap<>();
        for (Object key = item(); key != BREAK; key = item()) {
          map.put(key, item());
        }
        return map;
      }
      default:
        throw error("indefinite length for major type " + major);
    }
  }

  private Object simple(int info) {
    switch (info) {
      case 20:
        return Boolean.FALSE;
      case 21:
        return Boolean.TRUE;
      case 22:
      case 23:
        return null;
      case 25:
        return half(in.getShort() & 0xffff);
      case 26:
        return (double) in.getFloat();
      case 27:
        return in.getDouble();
      case 31:
        return BREAK;
      default:
        throw error("simple value " + info);
    }
  }

  /** IEEE 754 half precision (RFC 8949, appendix D). */
  private static double half(int bits) {
    int exponent = (bits >> 10) & 0x1f;
    int mantissa = bits & 0x3ff;
    double value = exponent == 0 ? Math.scalb((double) mantissa, -24)
        : exponent == 31 ? (mantissa == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
        : Math.scalb((double) (mantissa + 1024), exponent - 25);
    return (bits & 0x8000) != 0 ? -value : value;
  }

  private long argument(int info) {
    if (info < 24) {
      return info;
    }
    switch (info) {
      case 24:
        return in.get() & 0xffL;
      case 25:
        return in.getShort() & 0xffffL;
      case 26:
        return in.getInt() & 0xffffffffL;
      case 27:
        long value = in.getLong();
        if (value < 0) {
          throw error("argument beyond 2^63");
        }
        return value;
      default:
        throw error("additional information " + info);
    }
  }

  private byte[] bytes(long length) {
    if (length > in.remaining()) {
      throw error("length " + length + " beyond the " + in.remaining() + " bytes left");
    }
    byte[] bytes = new byte[(int) length];
    in.get(bytes);
    return bytes;
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException("CBOR: unexpected " + what + " at offset " + in.position());
  }
}
