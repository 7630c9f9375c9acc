package io.kplcodec.compat;

import com.google.protobuf.CodedInputStream;
import io.kplcodec.CorruptAggregateException.Reason;
import java.io.IOException;

/**
 * Replays protobuf-java's parse of an {@code AggregatedRecord} that protobuf-java accepted, with protobuf-java's own
 * {@link CodedInputStream} (the one {@code parseFrom(byte[])} uses), and finds the first varint on its path that
 * kpl-codec deliberately reads differently: the documented differences that remain between the two.
 *
 * <p>Only meaningful for messages protobuf-java parses: it then visits exactly the varints protobuf-java read, and
 * every varint before the first finding was read identically by both, so both took the same path up to it. Any
 * other disagreement between the two about a value is an undocumented one and fails with an {@link
 * AssertionError}.
 */
final class ProtobufJavaPath {
  /** A construct protobuf-java reads leniently and kpl-codec rejects, with the reason kpl-codec gives. */
  enum Quirk {
    /** A ten-byte varint whose last byte is 2..0x7F: protobuf-java drops the bits beyond 64. */
    TENTH_BYTE_ABOVE_ONE(Reason.MALFORMED_VARINT),
    /** A length varint of 2^32 or more: protobuf-java reads it modulo 2^32. */
    LENGTH_OVER_32_BITS(Reason.LENGTH_EXCEEDS_INPUT),
    /** A tag varint of 2^32 or more: protobuf-java reads it modulo 2^32. */
    TAG_OVER_32_BITS(Reason.INVALID_TAG);

    final Reason kplCodecReason;

    Quirk(Reason kplCodecReason) {
      this.kplCodecReason = kplCodecReason;
    }
  }

  /**
   * The first quirk and the offset, in the message, of the field holding it (its tag), which is where kpl-codec
   * reports it (plus 4 for the magic).
   */
  record Finding(Quirk quirk, int fieldOffset) {}

  private enum Use {
    TAG, LENGTH, VALUE
  }

  private static final class Found extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient Finding finding;

    Found(Finding finding) {
      super(null, null, false, false);
      this.finding = finding;
    }
  }

  private enum Level {
    AGGREGATE, RECORD, TAG, GROUP
  }

  private final byte[] message;
  private final CodedInputStream in;

  private ProtobufJavaPath(byte[] message) {
    this.message = message;
    this.in = CodedInputStream.newInstance(message);
  }

  /**
   * The first documented difference on protobuf-java's path through {@code message}, or null if there is none.
   *
   * @throws IllegalStateException if protobuf-java does not accept the message after all
   */
  static Finding firstQuirk(byte[] message) {
    ProtobufJavaPath path = new ProtobufJavaPath(message);
    try {
      path.walk(Level.AGGREGATE, 0);
      return null;
    } catch (Found found) {
      return found.finding;
    } catch (IOException e) {
      throw new IllegalStateException("Replay of a message protobuf-java accepted failed: " + e.getMessage(), e);
    }
  }

  /** Walks fields until the end of the current limit, or an end-group tag (returned) inside a group. */
  private int walk(Level level, int groupFieldNumber) throws IOException {
    while (!in.isAtEnd()) {
      int fieldStart = in.getTotalBytesRead();
      check(fieldStart, fieldStart, Use.TAG, 0);
      int tag = in.readTag();
      if ((tag & 7) == Wire.END_GROUP) {
        if (level != Level.GROUP || tag >>> 3 != groupFieldNumber) {
          throw new IllegalStateException("protobuf-java accepted an unmatched end-group tag?");
        }
        return tag;
      }
      if (!known(level, tag, fieldStart)) {
        skipUnknown(tag, fieldStart);
      }
    }
    if (level == Level.GROUP) {
      throw new IllegalStateException("protobuf-java accepted an unterminated group?");
    }
    return 0;
  }

  private boolean known(Level level, int tag, int fieldStart) throws IOException {
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

  /** An embedded message, as {@code CodedInputStream.readMessage} reads it. */
  private void embedded(Level level, int fieldStart) throws IOException {
    check(in.getTotalBytesRead(), fieldStart, Use.LENGTH, 0);
    int length = in.readRawVarint32();
    int oldLimit = in.pushLimit(length);
    walk(level, 0);
    in.popLimit(oldLimit);
  }

  /** An unknown field, as {@code UnknownFieldSet.Builder.mergeFieldFrom} reads it. */
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
        throw new IllegalStateException("protobuf-java accepted wire type " + (tag & 7) + "?");
    }
  }

  /**
   * Reads the varint at {@code start} strictly and compares with protobuf-java: a finding if kpl-codec must reject
   * it, an {@link AssertionError} if protobuf-java read a value (not a tag or length) differently.
   */
  private void check(int start, int fieldStart, Use use, long protobufValue) {
    long strict = 0;
    int i = 0;
    while (true) {
      int b = message[start + i] & 0xFF;
      if (i == 9 && b > 1) {
        throw new Found(new Finding(Quirk.TENTH_BYTE_ABOVE_ONE, fieldStart));
      }
      strict |= (long) (b & 0x7F) << (7 * i);
      i++;
      if (b < 0x80) {
        break;
      }
    }
    if (use == Use.TAG && strict >>> 32 != 0) {
      throw new Found(new Finding(Quirk.TAG_OVER_32_BITS, fieldStart));
    }
    if (use == Use.LENGTH && strict >>> 32 != 0) {
      throw new Found(new Finding(Quirk.LENGTH_OVER_32_BITS, fieldStart));
    }
    if (use == Use.VALUE && strict != protobufValue) {
      throw new AssertionError("Undocumented difference: protobuf-java read the varint at message offset " + start
          + " as " + Long.toUnsignedString(protobufValue) + ", its strict value is " + Long.toUnsignedString(strict));
    }
  }
}
