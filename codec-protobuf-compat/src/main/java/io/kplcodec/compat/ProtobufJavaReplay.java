package io.kplcodec.compat;

import com.google.protobuf.CodedInputStream;
import java.io.IOException;

/**
 * Replays protobuf-java's parse of an {@code AggregatedRecord} message with protobuf-java's own
 * {@link CodedInputStream} (the one {@code parseFrom(byte[])} uses), field by field as the generated parser and
 * {@code UnknownFieldSet} read them, and finds the first varint on that path that protobuf-java reads leniently: a
 * {@link DocumentedDifference}.
 *
 * <p>Meaningful for messages protobuf-java accepts: the replay then reads exactly what protobuf-java read, and every
 * varint before the first finding was read identically by a strict reader, so both took the same path up to it. A
 * value varint (an index, an unknown varint field) that protobuf-java reads differently from its bytes without
 * being a documented construct fails with an {@link AssertionError}: that would be a difference nobody documented.
 *
 * <p>Stateless and thread-safe: each call replays with its own reader.
 */
public final class ProtobufJavaReplay {
  private enum Use {
    TAG, LENGTH, VALUE
  }

  private enum Level {
    AGGREGATE, RECORD, TAG, GROUP
  }

  /** Unwinds the replay at the first finding. */
  private static final class Found extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient DocumentedDifference.Finding finding;

    Found(DocumentedDifference.Finding finding) {
      super(null, null, false, false);
      this.finding = finding;
    }
  }

  private final byte[] message;
  private final CodedInputStream in;

  private ProtobufJavaReplay(byte[] message) {
    this.message = message;
    this.in = CodedInputStream.newInstance(message);
  }

  /**
   * The first documented difference on protobuf-java's path through {@code message} (the protobuf message, without
   * magic and MD5; see {@link ProtobufJavaCodec#messageOf}), or null if there is none.
   *
   * @throws IllegalStateException if protobuf-java's reader fails on the message after all
   * @throws AssertionError if protobuf-java reads a value varint differently from its bytes
   */
  public static DocumentedDifference.Finding firstDifference(byte[] message) {
    ProtobufJavaReplay replay = new ProtobufJavaReplay(message);
    try {
      replay.walk(Level.AGGREGATE, 0);
      return null;
    } catch (Found found) {
      return found.finding;
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("Replaying a message protobuf-java accepted failed: " + e, e);
    }
  }

  /** Reads fields to the end of the current limit, or (inside a group) to its end-group tag. */
  private void walk(Level level, int groupFieldNumber) throws IOException {
    while (!in.isAtEnd()) {
      int fieldStart = in.getTotalBytesRead();
      check(fieldStart, fieldStart, Use.TAG, 0);
      int tag = in.readTag();
      if ((tag & 7) == Wire.END_GROUP) {
        if (level != Level.GROUP || tag >>> 3 != groupFieldNumber) {
          throw new IllegalStateException("protobuf-java accepted an unmatched end-group tag");
        }
        return;
      }
      if (!readKnown(level, tag, fieldStart)) {
        skipUnknown(tag, fieldStart);
      }
    }
    if (level == Level.GROUP) {
      throw new IllegalStateException("protobuf-java accepted an unterminated group");
    }
  }

  private boolean readKnown(Level level, int tag, int fieldStart) throws IOException {
    switch (level) {
      case AGGREGATE:
        if (tag == 0x0A || tag == 0x12) {
          check(in.getTotalBytesRead(), fieldStart, Use.LENGTH, 0);
          in.readBytes();
          return true;
        }
        if (tag == 0x1A) {
          embedded(Level.RECORD, fieldStart);
          return true;
        }
        return false;
      case RECORD:
        if (tag == 0x08 || tag == 0x10) {
          int valueStart = in.getTotalBytesRead();
          long value = in.readUInt64();
          check(valueStart, fieldStart, Use.VALUE, value);
          return true;
        }
        if (tag == 0x1A) {
          check(in.getTotalBytesRead(), fieldStart, Use.LENGTH, 0);
          in.readBytes();
          return true;
        }
        if (tag == 0x22) {
          embedded(Level.TAG, fieldStart);
          return true;
        }
        return false;
      case TAG:
        if (tag == 0x0A || tag == 0x12) {
          check(in.getTotalBytesRead(), fieldStart, Use.LENGTH, 0);
          in.readBytes();
          return true;
        }
        return false;
      default:
        return false;
    }
  }

  /** An embedded message, read as {@code CodedInputStream.readMessage} reads it. */
  private void embedded(Level level, int fieldStart) throws IOException {
    check(in.getTotalBytesRead(), fieldStart, Use.LENGTH, 0);
    int length = in.readRawVarint32();
    int oldLimit = in.pushLimit(length);
    walk(level, 0);
    in.popLimit(oldLimit);
  }

  /** An unknown field, read as {@code UnknownFieldSet.Builder.mergeFieldFrom} reads it. */
  private void skipUnknown(int tag, int fieldStart) throws IOException {
    switch (tag & 7) {
      case Wire.VARINT: {
        int valueStart = in.getTotalBytesRead();
        long value = in.readInt64();
        check(valueStart, fieldStart, Use.VALUE, value);
        return;
      }
      case Wire.FIXED64:
        in.readFixed64();
        return;
      case Wire.LENGTH_DELIMITED:
        check(in.getTotalBytesRead(), fieldStart, Use.LENGTH, 0);
        in.readBytes();
        return;
      case Wire.START_GROUP:
        walk(Level.GROUP, tag >>> 3);
        return;
      case Wire.FIXED32:
        in.readFixed32();
        return;
      default:
        throw new IllegalStateException("protobuf-java accepted wire type " + (tag & 7));
    }
  }

  /**
   * Reads the varint at {@code start} strictly and compares it with what protobuf-java makes of it: a finding if
   * kpl-codec must reject it, an {@link AssertionError} if protobuf-java read a value (not a tag or length)
   * differently.
   */
  private void check(int start, int fieldStart, Use use, long protobufValue) {
    long strict = 0;
    for (int i = 0; ; i++) {
      if (start + i >= message.length || i >= 10) {
        return; // protobuf-java's own reader will throw on it
      }
      int b = message[start + i] & 0xFF;
      if (i == 9 && b > 1) {
        throw new Found(new DocumentedDifference.Finding(DocumentedDifference.TENTH_VARINT_BYTE_ABOVE_ONE,
            fieldStart));
      }
      strict |= (long) (b & 0x7F) << (7 * i);
      if (b < 0x80) {
        break;
      }
    }
    if (use == Use.TAG && strict >>> 32 != 0) {
      throw new Found(new DocumentedDifference.Finding(DocumentedDifference.TAG_OVER_32_BITS, fieldStart));
    }
    if (use == Use.LENGTH && strict >>> 32 != 0) {
      throw new Found(new DocumentedDifference.Finding(DocumentedDifference.LENGTH_OVER_32_BITS, fieldStart));
    }
    if (use == Use.VALUE && strict != protobufValue) {
      throw new AssertionError("Undocumented difference: protobuf-java reads the varint at message offset " + start
          + " as " + Long.toUnsignedString(protobufValue) + " but its bytes say " + Long.toUnsignedString(strict));
    }
  }
}
