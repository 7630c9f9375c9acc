package io.kplcodec;

import java.util.List;

/**
 * An {@link Aggregator.Listener} threw while an {@link Aggregator} handed it completed records. The aggregator still
 * offered every record the call completed to the listener, finished the call, and then threw this exception instead
 * of returning: {@link #completedRecords()} holds all of them, so the caller can still send them (and release
 * them); nothing is lost. {@link #failedRecords()} says which ones the listener threw on. The listener's first
 * exception is the {@linkplain #getCause() cause}, any further ones are {@linkplain #getSuppressed() suppressed}.
 * What state the aggregator is left in is documented on each of its methods.
 *
 * <p>Thread-safe: immutable, its lists unmodifiable. The records are not serialized with the exception; a
 * deserialized copy carries none.
 */
public final class ListenerFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient List<KinesisRecord> completedRecords;
  private final transient List<KinesisRecord> failedRecords;

  /**
   * An exception for records an aggregator completed, some of which the listener threw on.
   *
   * @param operation the aggregator method that completed the records, for the message
   * @param completedRecords every record the call completed, in order, unmodifiable
   * @param failedRecords those of them the listener threw on, in order, unmodifiable
   * @param cause the first exception the listener threw
   */
  ListenerFailedException(String operation, List<KinesisRecord> completedRecords,
      List<KinesisRecord> failedRecords, Throwable cause) {
    super("The aggregator's listener threw on " + failedRecords.size() + " of the " + completedRecords.size()
        + " records " + operation + " completed; completedRecords() holds them all, for the caller to send", cause);
    this.completedRecords = completedRecords;
    this.failedRecords = failedRecords;
  }

  /**
   * Every record the call completed, in the order it offered them to the listener, whether the listener threw on it
   * or not; the records the call would have returned. Unmodifiable. The caller owns them as if they had been
   * returned.
   *
   * @return the completed records, never null; empty in a deserialized copy
   */
  public List<KinesisRecord> completedRecords() {
    return completedRecords == null ? List.of() : completedRecords;
  }

  /**
   * The records of {@link #completedRecords()} the listener threw on, in order (the cause was thrown on the first).
   * Unmodifiable. A caller whose listener sends every record it takes without throwing resends these.
   *
   * @return the records the listener threw on, at least one; empty in a deserialized copy
   */
  public List<KinesisRecord> failedRecords() {
    return failedRecords == null ? List.of() : failedRecords;
  }
}
