package io.kplcodec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;

/**
 * Every kind of buffer a Kinesis record can arrive in. Tests that read bytes run over all of them, so an absolute
 * index that forgets the array offset or the position, or a read past the limit, shows up.
 */
enum BufferKind {
  /** {@code ByteBuffer.wrap(record)}: array offset 0, position 0. */
  HEAP,
  /**
   * The record in the middle of a bigger array, behind a non-zero array offset and a non-zero position, with
   * garbage before and after it (and past the limit), so a decoder that ignores any of these reads the garbage.
   */
  HEAP_WITH_OFFSET,
  /** A direct buffer holding exactly the record. */
  DIRECT,
  /** A read-only view of a heap buffer: {@code hasArray()} is false. */
  READ_ONLY_HEAP,
  /** A read-only view of a direct buffer. */
  READ_ONLY_DIRECT;

  /** Bytes before the slice in the backing array of {@link #HEAP_WITH_OFFSET}. */
  static final int ARRAY_OFFSET = 7;
  /** Position of the record inside the slice of {@link #HEAP_WITH_OFFSET}. */
  static final int POSITION = 5;
  /** Bytes after the record: inside the slice's capacity but past its limit. */
  static final int TRAILING = 9;

  /** The record in a buffer of this kind: its remaining bytes are exactly the record. */
  ByteBuffer wrap(byte[] record) {
    return input(record).buffer();
  }

  /** The record in a buffer of this kind, with a writable view of the same storage. */
  Input input(byte[] record) {
    switch (this) {
      case HEAP: {
        ByteBuffer buffer = ByteBuffer.wrap(record.clone());
        return new Input(buffer, buffer, 0, record.length);
      }
      case HEAP_WITH_OFFSET: {
        byte[] backing = new byte[ARRAY_OFFSET + POSITION + record.length + TRAILING];
        for (int i = 0; i < backing.length; i++) {
          backing[i] = GARBAGE[i % GARBAGE.length];
        }
        System.arraycopy(record, 0, backing, ARRAY_OFFSET + POSITION, record.length);
        ByteBuffer slice = ByteBuffer.wrap(backing, ARRAY_OFFSET, backing.length - ARRAY_OFFSET).slice();
        slice.limit(POSITION + record.length).position(POSITION);
        return new Input(slice, slice, POSITION, record.length);
      }
      case DIRECT: {
        ByteBuffer direct = direct(record);
        return new Input(direct, direct, 0, record.length);
      }
      case READ_ONLY_HEAP: {
        ByteBuffer heap = ByteBuffer.wrap(record.clone());
        return new Input(heap.asReadOnlyBuffer(), heap, 0, record.length);
      }
      case READ_ONLY_DIRECT: {
        ByteBuffer direct = direct(record);
        return new Input(direct.asReadOnlyBuffer(), direct, 0, record.length);
      }
      default:
        throw new AssertionError(this);
    }
  }

  /** Bytes that look like the start of an aggregate and like varint continuations, to make stray reads visible. */
  private static final byte[] GARBAGE = {
    (byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2, (byte) 0xFF, 0x0A, (byte) 0x80, 0x1A, 0x7F
  };

  private static ByteBuffer direct(byte[] record) {
    ByteBuffer direct = ByteBuffer.allocateDirect(record.length);
    direct.put(record).flip();
    return direct;
  }

  /**
   * A record wrapped in a buffer of some kind.
   *
   * @param buffer what the code under test gets
   * @param storage a writable buffer over the same bytes, to change the input behind the decoder's back
   * @param start index in {@code storage} (and in {@code buffer}) of the record's first byte
   * @param length the record's length
   */
  record Input(ByteBuffer buffer, ByteBuffer storage, int start, int length) {
    Input {
      assertEquals(start, buffer.position());
      assertEquals(start + length, buffer.limit());
    }

    /** Changes byte {@code index} of the record (counted from its first byte) in the underlying storage. */
    void set(int index, byte value) {
      storage.put(start + index, value);
    }

    /** Byte {@code index} of the record, read from the underlying storage. */
    byte get(int index) {
      return storage.get(start + index);
    }

    /** The caller's buffer still has the position and limit it was given. */
    void assertPositionAndLimitUnchanged() {
      assertEquals(start, buffer.position(), "the caller's position moved");
      assertEquals(start + length, buffer.limit(), "the caller's limit moved");
    }
  }
}
