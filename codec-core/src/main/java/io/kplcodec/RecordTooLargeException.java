package io.kplcodec;

/**
 * A record that can never be sent because it exceeds a size limit even on its own. Thrown before any state
 * changes: nothing buffered is lost or emitted early. Immutable and thread-safe.
 */
public final class RecordTooLargeException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final long size;
  private final long limit;

  RecordTooLargeException(String message, long size, long limit) {
    super(message);
    this.size = size;
    this.limit = limit;
  }

  /** The smallest size, in bytes, the record could be sent with. */
  public long size() {
    return size;
  }

  /** The limit it exceeds, in bytes. */
  public long limit() {
    return limit;
  }
}
