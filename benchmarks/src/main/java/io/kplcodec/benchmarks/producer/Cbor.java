package io.kplcodec.benchmarks.producer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The part of CBOR (RFC 8949) that SDK v2's Kinesis client speaks by default ({@code application/x-amz-cbor-1.1}):
 * a reader that walks maps, arrays, strings and byte strings (definite or indefinite length) and a writer of
 * definite-length maps, arrays, text and unsigned integers. Enough for the fake endpoint; not a general codec.
 */
final class Cbor {
  private Cbor() {}

  static final int UNSIGNED = 0;
  static final int NEGATIVE = 1;
  static final int BYTES = 2;
  static final int TEXT = 3;
  static final int ARRAY = 4;
  static final int MAP = 5;
  static final int TAG = 6;
  static final int SIMPLE = 7;
  private static final int BREAK = 0xFF;

  /** Reads items from a byte array; every method throws {@link IllegalArgumentException} on malformed input. */
  static final class Reader {
    private final byte[] in;
    private int position;
    private int major;
    private long argument;
    private boolean indefinite;

    Reader(byte[] in) {
      this.in = in;
    }

    /** True if the next byte is the break that ends an indefinite-length map or array (and consumes it). */
    boolean atBreak() {
      if ((in[position] & 0xFF) == BREAK) {
        position++;
        return true;
      }
      return false;
    }

    /** Reads the next item's head; returns its major type. Tags are skipped. */
    int head() {
      while (true) {
        int initial = in[position++] & 0xFF;
        major = initial >>> 5;
        int info = initial & 0x1F;
        indefinite = false;
        if (info < 24) {
          argument = info;
        } else if (info == 24) {
          argument = in[position++] & 0xFF;
        } else if (info == 25) {
          argument = readBigEndian(2);
        } else if (info == 26) {
          argument = readBigEndian(4);
        } else if (info == 27) {
          argument = readBigEndian(8);
        } else if (info == 31 && major >= BYTES && major <= MAP) {
          indefinite = true;
          argument = -1;
        } else {
          throw new IllegalArgumentException("unsupported CBOR head 0x" + Integer.toHexString(initial) + " at "
              + (position - 1));
        }
        if (major != TAG) {
          return major;
        }
      }
    }

    private long readBigEndian(int bytes) {
      long value = 0;
      for (int i = 0; i < bytes; i++) {
        value = (value << 8) | (in[position++] & 0xFF);
      }
      return value;
    }

    /** The count of a map or array just read by {@link #head}, or -1 if it is indefinite (ends at a break). */
    long count() {
      return indefinite ? -1 : argument;
    }

    /** Reads a text string item. */
    String text() {
      if (head() != TEXT) {
        throw new IllegalArgumentException("expected text, got major type " + major + " at " + position);
      }
      return new String(stringBytes(), StandardCharsets.UTF_8);
    }

    /** Reads a text or byte string item's content. */
    byte[] bytes() {
      int type = head();
      if (type != BYTES && type != TEXT) {
        throw new IllegalArgumentException("expected bytes, got major type " + type + " at " + position);
      }
      return stringBytes();
    }

    private byte[] stringBytes() {
      if (!indefinite) {
        int length = Math.toIntExact(argument);
        byte[] out = java.util.Arrays.copyOfRange(in, position, position + length);
        position += length;
        return out;
      }
      ByteArrayOutputStream chunks = new ByteArrayOutputStream();
      while (!atBreak()) {
        byte[] chunk = stringBytes(head());
        chunks.write(chunk, 0, chunk.length);
      }
      return chunks.toByteArray();
    }

    private byte[] stringBytes(int chunkMajor) {
      if (chunkMajor != BYTES && chunkMajor != TEXT) {
        throw new IllegalArgumentException("bad chunk in an indefinite string at " + position);
      }
      return stringBytes();
    }

    /** Skips the next item, whatever it is. */
    void skip() {
      int type = head();
      switch (type) {
        case UNSIGNED, NEGATIVE -> { }
        case BYTES, TEXT -> stringBytes();
        case ARRAY, MAP -> {
          long items = indefinite ? -1 : argument * (type == MAP ? 2 : 1);
          if (items < 0) {
            while (!atBreak()) {
              skip();
            }
          } else {
            for (long i = 0; i < items; i++) {
              skip();
            }
          }
        }
        case SIMPLE -> {
          // the argument (a float's bits or a simple value) was read with the head
        }
        default -> throw new IllegalArgumentException("unexpected major type " + type);
      }
    }
  }

  /** Writes definite-length items. */
  static final class Writer {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

    Writer map(int entries) {
      return head(MAP, entries);
    }

    Writer array(int items) {
      return head(ARRAY, items);
    }

    Writer text(String text) {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      head(TEXT, bytes.length);
      out.write(bytes, 0, bytes.length);
      return this;
    }

    Writer unsigned(long value) {
      return head(UNSIGNED, value);
    }

    Writer bool(boolean value) {
      out.write((SIMPLE << 5) | (value ? 21 : 20));
      return this;
    }

    private Writer head(int major, long argument) {
      int type = major << 5;
      if (argument < 24) {
        out.write(type | (int) argument);
      } else if (argument < 0x100) {
        out.write(type | 24);
        out.write((int) argument);
      } else if (argument < 0x10000) {
        out.write(type | 25);
        writeBigEndian(argument, 2);
      } else if (argument < 0x1_0000_0000L) {
        out.write(type | 26);
        writeBigEndian(argument, 4);
      } else {
        out.write(type | 27);
        writeBigEndian(argument, 8);
      }
      return this;
    }

    private void writeBigEndian(long value, int bytes) {
      for (int i = bytes - 1; i >= 0; i--) {
        out.write((int) (value >>> (8 * i)));
      }
    }

    byte[] toByteArray() {
      return out.toByteArray();
    }
  }
}
