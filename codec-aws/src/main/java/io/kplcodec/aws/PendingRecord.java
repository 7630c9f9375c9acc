package io.kplcodec.aws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A user record accepted and not yet completed, and where its future completes: its attempts, whether any of them
 * may have stored it, and the failure or result it ends with. Identity equality (it is its own key in the producer's
 * set of outstanding records). Not thread-safe: the producer changes it under its lock and completes the future
 * after releasing it, with the {@link Runnable} these methods return.
 */
final class PendingRecord {
  final CompletableFuture<PutResult> future = new CompletableFuture<>();
  final String partitionKey;
  final String explicitHashKey;
  /** What it costs against the buffer limit (data, partition key and bookkeeping; see {@link Admission}). */
  final long cost;
  /** What it counts towards the drain rate: data plus partition key. */
  final long bytes;
  final long addedNanos;
  final long deadlineNanos;
  /** When it was first handed to a PutRecords call; {@code addedNanos - 1} until then (never sent). */
  private long firstSentNanos;
  private boolean sent;
  int attempts = 1;
  /** Its neighbours in {@link Outcomes}' list of records not completed, oldest first (intrusive: no node each). */
  PendingRecord older;
  PendingRecord newer;
  /** Whether it is in that list. */
  boolean outstanding;
  /** Its stream's metrics (set when it is accepted): where its outcome is reported. */
  StreamMetrics metrics = StreamMetrics.NONE;
  private boolean mayHaveBeenStored;
  /** Every failed attempt's error, oldest first; null until the first (most records never fail). */
  private List<Throwable> errors;

  PendingRecord(String partitionKey, String explicitHashKey, long bytes, long cost, long addedNanos,
      long recordTimeoutNanos) {
    this.partitionKey = partitionKey;
    this.explicitHashKey = explicitHashKey;
    this.bytes = bytes;
    this.cost = cost;
    this.addedNanos = addedNanos;
    this.deadlineNanos = addedNanos + recordTimeoutNanos;
  }

  boolean expired(long nowNanos) {
    return nowNanos - deadlineNanos >= 0;
  }

  boolean wasSent() {
    return sent;
  }

  /** Its entry is in a PutRecords call about to be made. */
  void sending(long nowNanos) {
    if (!sent) {
      sent = true;
      firstSentNanos = nowNanos;
    }
  }

  /**
   * An attempt failed.
   *
   * @param outcomeUnknown whether the attempt may have stored it all the same (see {@link
   *     RetryPolicy#outcomeUnknown})
   */
  void attemptFailed(Throwable error, boolean outcomeUnknown) {
    if (errors == null) {
      errors = new ArrayList<>(2);
    }
    errors.add(error);
    mayHaveBeenStored |= outcomeUnknown;
  }

  boolean mayHaveBeenStored() {
    return mayHaveBeenStored;
  }

  List<Throwable> errors() {
    return errors == null ? List.of() : errors;
  }

  /** How long it waited before its first send: until now if never sent. */
  Duration queueWait(long nowNanos) {
    return Duration.ofNanos((sent ? firstSentNanos : nowNanos) - addedNanos);
  }

  Runnable succeed(PutResult result) {
    return () -> future.complete(result);
  }

  /** A call carrying it is in flight, or was sent and never answered: what it did is unknown. */
  void attemptInFlight() {
    mayHaveBeenStored = true;
  }

  /** Fails it for a reason other than its timeout, with every attempt's error. */
  Runnable fail(KinesisProducerException.Reason reason, String message, Throwable cause) {
    KinesisProducerException failure = new KinesisProducerException(reason, message + storedNote(), cause,
        mayHaveBeenStored, errors());
    return () -> future.completeExceptionally(failure);
  }

  /** Fails it after its record timeout, saying how long it waited in the queue and what each attempt met. */
  Runnable expire(long nowNanos, Duration recordTimeout) {
    Duration age = Duration.ofNanos(nowNanos - addedNanos);
    StringBuilder message = new StringBuilder("Not put within the record timeout of ").append(recordTimeout)
        .append(" (").append(age.toMillis()).append(" ms since add): ");
    if (sent) {
      message.append("waited ").append(queueWait(nowNanos).toMillis()).append(" ms in the queue before its first ")
          .append("send, then ").append(attempts).append(" attempt(s)");
    } else {
      message.append("waited ").append(age.toMillis()).append(" ms in the queue and was never sent");
    }
    List<Throwable> errors = errors();
    for (int i = 0; i < errors.size(); i++) {
      message.append(i == 0 ? "; errors: " : ", ").append('[').append(i + 1).append("] ").append(errors.get(i));
    }
    Throwable last = errors.isEmpty() ? null : errors.get(errors.size() - 1);
    KinesisProducerException failure = new KinesisProducerException(KinesisProducerException.Reason.RECORD_TIMEOUT,
        message.append(storedNote()).toString(), last, mayHaveBeenStored, errors);
    return () -> future.completeExceptionally(failure);
  }

  private String storedNote() {
    return mayHaveBeenStored
        ? " (may already be in the stream: an attempt's outcome is unknown)"
        : " (not in the stream: no attempt stored it)";
  }
}
