package io.kplcodec.aws;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * The producer's {@link ProducerMetrics} with one stream's name bound, as the parts of that stream report to it:
 * nothing happens without a listener, and a listener's exception is counted, never passed on. Each user record
 * carries its stream's ({@link PendingRecord#metrics}). Thread-safe if the listener is.
 */
final class StreamMetrics {
  /** No listener: every report is skipped. */
  static final StreamMetrics NONE = new StreamMetrics(null, null, new LongAdder());

  private final String stream;
  private final ProducerMetrics listener;
  private final LongAdder failures;

  /**
   * @param failures where the listener's exceptions are counted, shared by the producer's streams
   */
  StreamMetrics(String stream, ProducerMetrics listener, LongAdder failures) {
    this.stream = stream;
    this.listener = listener;
    this.failures = failures;
  }

  /** Whether there is a listener: callers skip the work of a report (a clock read) without one. */
  boolean enabled() {
    return listener != null;
  }

  void userRecordReceived() {
    if (listener != null) {
      report(l -> l.userRecordReceived(stream));
    }
  }

  void userRecordPut(String shardId, PendingRecord pending, long nowNanos) {
    if (listener != null) {
      report(l -> l.userRecordPut(stream, shardId, pending.bytes, Duration.ofNanos(nowNanos - pending.addedNanos),
          pending.attempts));
    }
  }

  void userRecordFailed(KinesisProducerException.Reason reason, int attempts) {
    if (listener != null) {
      report(l -> l.userRecordFailed(stream, reason, attempts));
    }
  }

  void kinesisRecordPut(String shardId, Outgoing outgoing) {
    if (listener != null) {
      report(l -> l.kinesisRecordPut(stream, shardId, outgoing.sizeInBytes(), outgoing.users.length));
    }
  }

  void putRecordsCall(SendQueue.Batch batch, long sentNanos, long nowNanos, String errorCode) {
    if (listener != null) {
      int userRecords = 0;
      for (Outgoing outgoing : batch.entries()) {
        userRecords += outgoing.users.length;
      }
      int users = userRecords;
      report(l -> l.putRecordsCall(stream, batch.entries().size(), users, Duration.ofNanos(nowNanos - sentNanos),
          errorCode));
    }
  }

  void kinesisRecordFailed(String shardId, String errorCode) {
    if (listener != null) {
      report(l -> l.kinesisRecordFailed(stream, shardId, errorCode));
    }
  }

  private void report(Consumer<ProducerMetrics> event) {
    try {
      event.accept(listener);
    } catch (RuntimeException e) {
      failures.increment(); // a listener's bug must not break the producer's bookkeeping
    }
  }
}
