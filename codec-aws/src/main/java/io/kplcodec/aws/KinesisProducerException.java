package io.kplcodec.aws;

import java.util.List;

/**
 * Why a {@link KinesisProducer} future failed, in fields a caller can branch on: {@link #reason()}, {@link
 * #mayHaveBeenStored()} and every attempt's error ({@link #attemptErrors()}).
 *
 * <p>What to do with a failed record depends on {@link #mayHaveBeenStored()}. When it is {@code false}, no attempt
 * can have reached the stream (every attempt was refused, throttled, or never sent): adding the record again cannot
 * duplicate it. When it is {@code true}, at least one attempt's outcome is unknown (a timeout, a connection reset or
 * a 5xx after the request was sent, or a landing on a shard that did not own it after a reshard): the record may
 * already be in the stream, so adding it again may make a duplicate. Consumers must then be idempotent (de-duplicate
 * by a key inside the data), or the caller must look for it before sending it again.
 *
 * <p>Immutable and thread-safe: its fields are final and its list of attempt errors unmodifiable.
 */
public final class KinesisProducerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What kind of failure, to branch on. */
  public enum Reason {
    /** Not accepted: the buffer limit ({@code maxBufferedBytes}) stayed full for the whole of {@code maxBlockTime}. */
    BUFFER_FULL,
    /**
     * Not accepted: at the rate records are being put now, the records ahead of it would take longer than {@code
     * maxQueueTime} to send, for the whole of {@code maxBlockTime} (an outage, throttling, a slow stream).
     */
    QUEUE_TOO_LONG,
    /** Not accepted: the adding thread was interrupted while waiting for room. */
    INTERRUPTED,
    /** Accepted, but not put within the record timeout (see the message for how long it waited in the queue). */
    RECORD_TIMEOUT,
    /** The service refused the call or the entry with an error that retrying cannot fix. */
    NOT_RETRYABLE,
    /**
     * The service throttled it (the shard's or the account's rate) and {@code failIfThrottled} is set, so it was not
     * retried; not in the stream.
     */
    THROTTLED,
    /**
     * The producer was aborted ({@link KinesisProducer#abort()}) before the record was put; {@link
     * #mayHaveBeenStored()} says whether an attempt may have stored it (a call still in flight, say).
     */
    ABORTED
  }

  /** What kind of failure; never null. */
  private final Reason reason;
  /** Whether some attempt's outcome is unknown, so the record may be in the stream. */
  private final boolean mayHaveBeenStored;
  /** Every attempt's error, oldest first; unmodifiable, never null. */
  private final List<Throwable> attemptErrors;

  KinesisProducerException(Reason reason, String message, Throwable cause, boolean mayHaveBeenStored,
      List<Throwable> attemptErrors) {
    super(message, cause);
    this.reason = reason;
    this.mayHaveBeenStored = mayHaveBeenStored;
    this.attemptErrors = List.copyOf(attemptErrors);
  }

  KinesisProducerException(String message, Throwable cause) {
    this(Reason.NOT_RETRYABLE, message, cause, false, List.of());
  }

  KinesisProducerException(String message) {
    this(Reason.NOT_RETRYABLE, message, null, false, List.of());
  }

  /**
   * What kind of failure this is.
   *
   * @return the reason, never null; {@link Reason#NOT_RETRYABLE} also for a producer that could not start
   */
  public Reason reason() {
    return reason;
  }

  /**
   * Whether the record may already be in the stream: some attempt's outcome is unknown (see the class comment for
   * what to do). {@code false} guarantees that no attempt stored it.
   *
   * @return true if the record may already be in the stream; false if it is certainly not
   */
  public boolean mayHaveBeenStored() {
    return mayHaveBeenStored;
  }

  /**
   * Every attempt's error, oldest first (empty if the record was never sent); unmodifiable.
   *
   * @return the errors: what a failed PutRecords call ended with (usually an SDK exception), and a {@code
   *     KinesisProducerException} describing each refused entry, missing result or landing on another shard (its
   *     own {@link #reason()} is always {@link Reason#NOT_RETRYABLE}, whether or not that attempt was retried)
   */
  public List<Throwable> attemptErrors() {
    return attemptErrors;
  }
}
