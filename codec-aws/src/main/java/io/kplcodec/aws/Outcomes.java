package io.kplcodec.aws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
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
  /** Accepted and not completed, identity-keyed, oldest first. */
  private final Set<PendingRecord> outstanding = new LinkedHashSet<>();

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
    outstanding.add(pending);
    added++;
  }

  int outstandingCount() {
    return outstanding.size();
  }

  /** When the oldest record accepted and not completed was added; {@code nowNanos} if there is none. */
  long oldestAddedNanos(long nowNanos) {
    return outstanding.isEmpty() ? nowNanos : outstanding.iterator().next().addedNanos;
  }

  /** The futures of every record accepted and not completed yet. */
  List<CompletableFuture<PutResult>> outstandingFutures() {
    List<CompletableFuture<PutResult>> futures = new ArrayList<>(outstanding.size());
    for (PendingRecord pending : outstanding) {
      futures.add(pending.future);
    }
    return futures;
  }

  /**
   * Completes the user records of an entry that landed: all of them (the entry is done and released), or those
   * {@code skip} does not mark (the others are being sent again, and the entry is released by whoever re-packs them).
   */
  void succeed(Outgoing outgoing, String shardId, String sequenceNumber, boolean[] skip) {
    boolean aggregated = outgoing.record.isAggregated();
    for (int i = 0; i < outgoing.users.length; i++) {
      if (skip != null && skip[i]) {
        continue;
      }
      PendingRecord pending = outgoing.users[i];
      if (pending.metrics.enabled()) {
        pending.metrics.userRecordPut(shardId, pending, clock.getAsLong());
      }
      done(pending, true);
      lock.defer(pending.succeed(
          new PutResult(shardId, sequenceNumber, aggregated ? i : 0, aggregated, pending.attempts)));
    }
    if (skip == null) {
      outgoing.release(admission);
    }
  }

  /** Fails every user record of an entry for good (not retried), with every attempt's error. */
  void fail(Outgoing outgoing, KinesisProducerException.Reason reason, String message, Throwable cause) {
    for (PendingRecord pending : outgoing.users) {
      pending.metrics.userRecordFailed(reason, pending.attempts);
      done(pending, false);
      lock.defer(pending.fail(reason, message, cause));
    }
    outgoing.release(admission);
  }

  /** Fails a user record past its record timeout, saying how long it waited and what each attempt met. */
  void expire(PendingRecord pending, long nowNanos) {
    pending.metrics.userRecordFailed(KinesisProducerException.Reason.RECORD_TIMEOUT,
        pending.wasSent() ? pending.attempts : 0);
    done(pending, false);
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
    for (PendingRecord pending : List.copyOf(outstanding)) {
      if (inFlight.contains(pending)) {
        pending.attemptInFlight();
      }
      pending.metrics.userRecordFailed(KinesisProducerException.Reason.ABORTED, pending.attempts);
      done(pending, false);
      lock.defer(pending.fail(KinesisProducerException.Reason.ABORTED, "The producer was aborted before it was put",
          null));
    }
  }

  Duration recordTimeout() {
    return recordTimeout;
  }

  private void done(PendingRecord pending, boolean wasPut) {
    if (wasPut) {
      put++;
    } else {
      failed++;
      if (pending.mayHaveBeenStored()) {
        failedMayHaveBeenStored++;
      }
    }
    outstanding.remove(pending);
    admission.release(pending.cost, pending.bytes, wasPut);
  }
}
