package io.kplcodec.compat;

import io.kplcodec.CorruptAggregateException.Reason;

/**
 * The constructs protobuf-java 4.x reads leniently and kpl-codec deliberately rejects: the only inputs protobuf-java
 * parses on which the two may disagree (rows 1-3 of the table of deliberate differences in this module's README).
 * In each case protobuf-java silently reads a different number than the bytes say; kpl-codec reports the field as
 * corrupt. {@link ProtobufJavaReplay} finds them.
 *
 * <p>Immutable and thread-safe.
 */
public enum DocumentedDifference {
  /** A ten-byte varint whose last byte is 2..0x7F: protobuf-java drops the bits beyond 64. */
  TENTH_VARINT_BYTE_ABOVE_ONE(Reason.MALFORMED_VARINT),
  /** A length varint of 2^32 or more: protobuf-java reads it modulo 2^32. */
  LENGTH_OVER_32_BITS(Reason.LENGTH_EXCEEDS_INPUT),
  /** A tag varint of 2^32 or more: protobuf-java reads it modulo 2^32. */
  TAG_OVER_32_BITS(Reason.INVALID_TAG);

  private final Reason kplCodecReason;

  DocumentedDifference(Reason kplCodecReason) {
    this.kplCodecReason = kplCodecReason;
  }

  /** The reason kpl-codec gives when it rejects the construct. */
  public Reason kplCodecReason() {
    return kplCodecReason;
  }

  /**
   * Where a documented difference sits.
   *
   * @param difference which construct
   * @param fieldOffset offset of the tag of the field holding it, in the protobuf message (add the 4 bytes of
   *     {@link ProtobufJavaCodec#MAGIC} to get kpl-codec's {@link io.kplcodec.CorruptAggregateException#offset()})
   */
  public record Finding(DocumentedDifference difference, int fieldOffset) {}
}
