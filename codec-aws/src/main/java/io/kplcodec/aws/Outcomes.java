package io.kplcodec.aws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * Where a user record's future completes: put (with where it landed), failed for good, or expired after its record
 * timeout; the room it took is given back to the {@link Admission} then. Keeps the records accepted and not yet
 * completed (for {@code flush}) and the counts of how they ended. The futures complete once the producer's lock is
 * released ({@link ProducerLock#defer}). Not thread-safe: the producer calls it under its lock.
 */
final class Outcomes {
  private final Admission admission;
  private final ProducerLock lock;
  private final Duration recordTimeout;
  private final LongSupplier clock;
  /**
   * Accepted and not completed, oldest first: a list through the records themselves (Perf: a set's node per record
   * was 6% of the producer's time at 100-byte records).
   */
  private PendingRecord oldest;
  private PendingRecord newest;
  private int outstandingCount;

  long added;
  long put;
  long failed;
  long failedMayHaveBeenStored;

  Outcomes(Admission admission, ProducerLock lock, Duration recordTimeout, LongSupplier clock) {
    this.clock = clock;
    this.admission = admission;
    this.lock = lock;
    this.recordTimeout = recordTimeout;
  }

  void accepted(PendingRecord pending) {
    pending.older = newest;
    if (newest == null) {
      oldest = pending;
    } else {
      newest.newer = pending;
    }
    newest = pending;
    pending.outstanding = true;
    outstandingCount++;
    added++;
  }

  int outstandingCount() {
    return outstandingCount;
  }

  /** When the oldest record accepted and not completed was added; {@code nowNanos} if there is none. */
  long oldestAddedNanos(long nowNanos) {
    return oldest == null ? nowNanos : oldest.addedNanos;
  }

  /** Every record accepted and not completed yet, oldest first. */
  List<PendingRecord> outstanding() {
    List<PendingRecord> records = new ArrayList<>(outstandingCount);
    for (PendingRecord pending = oldest; pending != null; pending = pending.newer) {
      records.add(pending);
    }
    return records;
  }

  /** The futures of every record accepted and not completed yet. */
  List<CompletableFuture<PutResult>> outstandingFutures() {
    List<CompletableFuture<PutResult>> futures = new ArrayList<>(outstandingCount);
    for (PendingRecord pending = oldest; pending != null; pending = pending.newer) {
      futures.add(pending.future);
    }
    return futures;
  }

  private void unlink(PendingRecord pending) {
    if (!pending.outstanding) {
      return;
    }
    pending.outstanding = false;
    if (pending.older == null) {
      oldest = pending.newer;
    } else {
      pending.older.newer = pending.newer;
    }
    if (pending.newer == null) {
      newest = pending.older;
    } else {
      pending.newer.older = pending.older;
    }
    pending.older = null;
    pending.newer = null;
    outstandingCount--;
  }

  /**
   * Completes the user records of an entry that landed: all of them (the entry is done and released), or those
   * {@code skip} does not mark (the others are being sent again, and the entry is released by whoever re-packs them).
   */
  void succeed(Outgoing outgoing, String shardId, String sequenceNumber, boolean[] skip) {
    boolean aggregated = outgoing.isAggregated();
    // Perf: the room of the whole entry goes back to the admission at once (its lock wakes waiting adders), not
    // once per user record: that was a fifth of the producer's time at 100-byte records.
    long cost = 0;
    long bytes = 0;
    for (int i = 0; i < outgoing.users.length; i++) {
      if (skip != null && skip[i]) {
        continue;
      }
      PendingRecord pending = outgoing.users[i];
      if (pending.metrics.enabled()) {
        pending.metrics.userRecordPut(shardId, pending, clock.getAsLong());
      }
      put++;
      unlink(pending);
      cost += pending.cost;
      bytes += pending.bytes;
      lock.defer(pending.succeed(
          new PutResult(shardId, sequenceNumber, aggregated ? i : 0, aggregated, pending.attempts)));
    }
    if (skip == null) {
      cost += outgoing.takeSlack();
    }
    admission.release(cost, bytes, true);
  }

  /** Fails every user record of an entry for good (not retried), with every attempt's error. */
  void fail(Outgoing outgoing, KinesisProducerException.Reason reason, String message, Throwable cause) {
    for (PendingRecord pending : outgoing.users) {
      pending.metrics.userRecordFailed(reason, pending.attempts);
      failed(pending);
      lock.defer(pending.fail(reason, message, cause));
    }
    outgoing.release(admission);
  }

  /** Fails a user record past its record timeout, saying how long it waited and what each attempt met. */
  void expire(PendingRecord pending, long nowNanos) {
    pending.metrics.userRecordFailed(KinesisProducerException.Reason.RECORD_TIMEOUT,
        pending.wasSent() ? pending.attempts : 0);
    failed(pending);
    lock.defer(pending.expire(nowNanos, recordTimeout));
  }

  /** Fails every user record of an entry past its record timeout, and releases the entry. */
  void expire(Outgoing outgoing, long nowNanos) {
    for (PendingRecord pending : outgoing.users) {
      expire(pending, nowNanos);
    }
    outgoing.release(admission);
  }

  /**
   * Fails every record not completed yet, as the producer is aborted: those whose last attempt is in flight may have
   * been stored.
   */
  void abortAll(Set<PendingRecord> inFlight) {
    for (PendingRecord pending : outstanding()) {
      if (inFlight.contains(pending)) {
        pending.attemptInFlight();
      }
      pending.metrics.userRecordFailed(KinesisProducerException.Reason.ABORTED, pending.attempts);
      failed(pending);
      lock.defer(pending.fail(KinesisProducerException.Reason.ABORTED, "The producer was aborted before it was put",
          null));
    }
  }

  Duration recordTimeout() {
    return recordTimeout;
  }

  private void failed(PendingRecord pending) {
    failed++;
    if (pending.mayHaveBeenStored()) {
      failedMayHaveBeenStored++;
    }
    unlink(pending);
    admission.release(pending.cost, pending.bytes, false);
  }
}
