package io.kplcodec;

/**
 * A record that can never be sent because it exceeds a size limit even on its own. Thrown before any state
 * changes: nothing buffered is lost or emitted early. Immutable and thread-safe.
 */
public final class RecordTooLargeException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /** The smallest size, in bytes, the record could be sent with. */
  private final long size;
  /** The limit the size exceeds, in bytes. */
  private final long limit;

  /**
   * A record of {@code size} bytes over {@code limit}; for code that checks a record before handing it to the codec.
   *
   * @param message what is too large, and what the limit is
   * @param size the smallest size, in bytes, the record could be sent with
   * @param limit the limit it exceeds, in bytes
   */
  public RecordTooLargeException(String message, long size, long limit) {
    super(message);
    this.size = size;
    this.limit = limit;
  }

  /**
   * The smallest size, in bytes, the record could be sent with.
   *
   * @return the size as the limit counts it (data plus partition key), above {@link #limit()}
   */
  public long size() {
    return size;
  }

  /**
   * The limit it exceeds, in bytes.
   *
   * @return the maximum record size, or the maximum request size when that is the smaller
   */
  public long limit() {
    return limit;
  }
}
