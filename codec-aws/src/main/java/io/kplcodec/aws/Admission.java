package io.kplcodec.aws;

import io.kplcodec.aws.KinesisProducerException.Reason;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * Where a record waits before the producer takes it: admission and backpressure, by memory and by time.
 *
 * <ul>
 *   <li>Memory: the costs of the records accepted and not completed (data, partition key and the producer's
 *       bookkeeping, {@link #PER_RECORD_OVERHEAD} bytes each) stay within {@code limitBytes}.
 *   <li>Time: the user bytes accepted and not completed stay within what the producer put in the last {@link
 *       #WINDOW_NANOS} would drain in {@code maxQueueNanos} (or {@code floorBytes}, whichever is more, so a producer
 *       that has put nothing yet can start). An outage or throttling makes the drain rate fall, and admission stops
 *       instead of queueing records that would expire before their first send.
 * </ul>
 *
 * One record is always accepted when nothing is outstanding, however large, so no record waits forever. Its own
 * lock: adding threads wait here without holding the producer's.
 */
final class Admission {
  /**
   * What the producer holds per user record beyond its data and partition key, estimated for JDK 17 with compressed
   * oops: the pending record and its future (about 90), the partition key string's header (about 40), a slot in the
   * outstanding set (about 50) and in its shard's queue, and its share of the aggregate's tables, rounded up.
   */
  static final long PER_RECORD_OVERHEAD = 200;
  static final long WINDOW_NANOS = TimeUnit.SECONDS.toNanos(2);
  private static final int BUCKETS = 8;
  private static final long BUCKET_NANOS = WINDOW_NANOS / BUCKETS;
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private final long limitBytes;
  private final long maxQueueNanos;
  private final long floorBytes;
  private final LongSupplier clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition room = lock.newCondition();

  // Guarded by lock.
  private long usedCost;
  private long queuedBytes;
  private final long[] drained = new long[BUCKETS];
  private long currentBucket;
  private final long startNanos;
  private long longestBlockNanos;
  private boolean closed;
  /** Adding threads waiting for room now. */
  private int waiters;

  Admission(long limitBytes, long maxQueueNanos, long floorBytes, LongSupplier clock) {
    this.limitBytes = limitBytes;
    this.maxQueueNanos = maxQueueNanos;
    this.floorBytes = floorBytes;
    this.clock = clock;
    this.startNanos = clock.getAsLong();
    this.currentBucket = Math.floorDiv(startNanos, BUCKET_NANOS);
  }

  /**
   * Takes room for a record without waiting; null if taken, else why not.
   *
   * @throws IllegalStateException if closed (nothing taken)
   */
  Reason tryAcquire(long cost, long bytes) {
    lock.lock();
    try {
      refuseIfClosed();
      Reason refusal = refusal(cost, bytes, clock.getAsLong());
      if (refusal == null) {
        take(cost, bytes);
      }
      return refusal;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes room for a record, waiting up to {@code maxBlockNanos}; null if taken, else why not (the last reason it
   * met).
   *
   * @throws IllegalStateException if closed, also while waiting (nothing taken)
   */
  Reason acquire(long cost, long bytes, long maxBlockNanos) throws InterruptedException {
    lock.lock();
    try {
      refuseIfClosed();
      long start = clock.getAsLong();
      long now = start;
      Reason refusal;
      while ((refusal = refusal(cost, bytes, now)) != null && !closed) {
        long remaining = maxBlockNanos - (now - start);
        if (remaining <= 0) {
          break;
        }
        // Poll as well: the clock may be a test's, and the drain rate changes with time, not only on release.
        waiters++;
        try {
          room.awaitNanos(Math.min(remaining, POLL_NANOS));
        } finally {
          waiters--;
        }
        now = clock.getAsLong();
      }
      longestBlockNanos = Math.max(longestBlockNanos, now - start);
      refuseIfClosed();
      if (refusal == null) {
        take(cost, bytes);
      }
      return refusal;
    } finally {
      lock.unlock();
    }
  }

  /** Takes room without asking: for a callback on the producer's thread, which must never wait. */
  void force(long cost, long bytes) {
    lock.lock();
    try {
      take(cost, bytes);
    } finally {
      lock.unlock();
    }
  }

  /** A record completed: its room is free; if it was put, it counts towards the drain rate. */
  void release(long cost, long bytes, boolean put) {
    lock.lock();
    try {
      usedCost -= cost;
      queuedBytes -= bytes;
      if (put) {
        long now = clock.getAsLong();
        advance(now);
        drained[Math.floorMod(currentBucket, BUCKETS)] += bytes;
      }
      if (waiters > 0) {
        room.signalAll(); // Perf: waking no one costs nothing; the lock alone is cheap
      }
    } finally {
      lock.unlock();
    }
  }

  private void refuseIfClosed() {
    if (closed) {
      throw new IllegalStateException("The producer is closed");
    }
  }

  /** Wakes every waiter; from now on acquire and tryAcquire throw and take nothing. */
  void close() {
    lock.lock();
    try {
      closed = true;
      room.signalAll();
    } finally {
      lock.unlock();
    }
  }

  boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  long usedCost() {
    lock.lock();
    try {
      return usedCost;
    } finally {
      lock.unlock();
    }
  }

  long longestBlockNanos() {
    lock.lock();
    try {
      return longestBlockNanos;
    } finally {
      lock.unlock();
    }
  }

  /** User bytes put per second over the last window (less of it just after the start). */
  double drainRate() {
    lock.lock();
    try {
      return drainRate(clock.getAsLong());
    } finally {
      lock.unlock();
    }
  }

  private Reason refusal(long cost, long bytes, long now) {
    if (usedCost == 0) {
      return null;
    }
    if (usedCost + cost > limitBytes) {
      return Reason.BUFFER_FULL;
    }
    double allowed = Math.max(floorBytes, drainRate(now) * maxQueueNanos / 1e9);
    if (queuedBytes + bytes > allowed) {
      return Reason.QUEUE_TOO_LONG;
    }
    return null;
  }

  private void take(long cost, long bytes) {
    usedCost += cost;
    queuedBytes += bytes;
  }

  private double drainRate(long now) {
    advance(now);
    long sum = 0;
    for (long bucket : drained) {
      sum += bucket;
    }
    long window = Math.max(BUCKET_NANOS, Math.min(WINDOW_NANOS, now - startNanos));
    return sum * 1e9 / window;
  }

  /** Moves to the bucket of {@code now}, emptying the buckets that fell out of the window. */
  private void advance(long now) {
    long bucket = Math.floorDiv(now, BUCKET_NANOS);
    for (long b = currentBucket + 1; b <= bucket && b <= currentBucket + BUCKETS; b++) {
      drained[Math.floorMod(b, BUCKETS)] = 0;
    }
    if (bucket > currentBucket) {
      currentBucket = bucket;
    }
  }
}
