package io.kplcodec;

/**
 * An aggregated record whose magic and MD5 are right but whose content is not a valid {@code AggregatedRecord}:
 * malformed protobuf, a missing required field, or a table index that points outside its table.
 *
 * <p>The only exception kpl-codec throws for bad input bytes. It carries the offset of the offending protobuf
 * field, counted from the first byte of the Kinesis record (the magic), and one of a fixed set of reasons.
 * Immutable and thread-safe.
 */
public final class CorruptAggregateException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why an aggregate is corrupt. The description is part of the exception message and never changes. */
  public enum Reason {
    /** The input ends inside a field: a varint, a fixed-width value, or a group without its end. */
    TRUNCATED("input ends inside a field"),
    /** A length-delimited field declares more bytes than remain in its enclosing message. */
    LENGTH_EXCEEDS_INPUT("declared length exceeds the remaining bytes"),
    /** A varint is longer than 10 bytes or overflows 64 bits. */
    MALFORMED_VARINT("malformed varint"),
    /** A field tag with field number 0 or beyond 32 bits. */
    INVALID_TAG("invalid field tag"),
    /** A field tag with wire type 6 or 7. */
    INVALID_WIRE_TYPE("invalid wire type"),
    /** An end-group tag without the matching start-group tag. */
    UNMATCHED_END_GROUP("end-group tag without a matching start"),
    /** Groups nested deeper than 100 levels, protobuf-java's recursion limit. */
    NESTING_TOO_DEEP("fields nested too deeply"),
    /** A Record without its required partition_key_index. */
    MISSING_PARTITION_KEY_INDEX("record has no partition key index"),
    /** A Record without its required data. */
    MISSING_DATA("record has no data"),
    /** A Tag without its required key. */
    MISSING_TAG_KEY("tag has no key"),
    /** A Record's partition_key_index is not below the size of the partition key table. */
    PARTITION_KEY_INDEX_OUT_OF_RANGE("partition key index outside the partition key table"),
    /** A Record's explicit_hash_key_index is not below the size of the explicit hash key table. */
    EXPLICIT_HASH_KEY_INDEX_OUT_OF_RANGE("explicit hash key index outside the explicit hash key table"),
    /**
     * An explicit hash key table entry that is not a decimal in 0..2^128-1, found when a hash-range filter needed
     * its value.
     */
    INVALID_EXPLICIT_HASH_KEY("explicit hash key is not a decimal in 0..2^128-1");

    private final String description;

    Reason(String description) {
      this.description = description;
    }

    /**
     * The fixed text used in exception messages.
     *
     * @return the description, for example {@code "malformed varint"}
     */
    public String description() {
      return description;
    }
  }

  /** Offset of the offending protobuf field, from the first byte of the Kinesis record. */
  private final long offset;
  /** Why the record is corrupt; never null. */
  private final Reason reason;

  /**
   * An exception for the field at {@code offset}, with a message made of the offset and the reason's description.
   *
   * @param offset offset of the offending field from the first byte of the record
   * @param reason why the record is corrupt
   */
  public CorruptAggregateException(long offset, Reason reason) {
    super("Corrupt aggregated record at offset " + offset + ": " + reason.description());
    this.offset = offset;
    this.reason = reason;
  }

  /**
   * Offset of the offending protobuf field, from the first byte of the Kinesis record (the magic).
   *
   * @return the offset in bytes; at least 4 (past the magic) when a {@link Deaggregator} threw the exception
   */
  public long offset() {
    return offset;
  }

  /**
   * Why the record is corrupt.
   *
   * @return the reason, never null
   */
  public Reason reason() {
    return reason;
  }
}
