package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.ShardMap;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The producer's parts wired as {@code KinesisProducer} wires them for one stream, on a fake clock, for the parts' unit
 * tests: a 1 GiB admission, a 30 s record timeout, aggregates and records of up to 1 MiB, and no flush timer to speak
 * of (an hour). Each test builds what it tests (retries, a sender, reshards) on these. Not thread-safe; close it to
 * stop the producer's thread.
 */
final class ProducerParts implements AutoCloseable {
  static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  final AtomicLong now = new AtomicLong(1_000 * SECOND);
  final Admission admission = new Admission(1L << 30, 10 * SECOND, 1L << 30, now::get);
  final ProducerLock lock;
  final SendQueue sendQueue = new SendQueue();
  /** A rate limit no test reaches. */
  final ShardRateLimiter unlimited = new ShardRateLimiter(1_000_000, System::nanoTime);
  final Outcomes outcomes;
  final ShardAggregation aggregation;

  ProducerParts(String threadName, ShardMap shards) {
    lock = new ProducerLock(threadName);
    outcomes = new Outcomes(admission, lock, Duration.ofSeconds(30), now::get);
    aggregation = new ShardAggregation(shards, 1 << 20, 1 << 20, Integer.MAX_VALUE, 1 << 20, 3600 * SECOND,
        admission, sendQueue, lock);
  }

  @Override
  public void close() {
    lock.shutdown();
  }

  /** Its result: its future must have completed by now. */
  static PutResult result(PendingRecord pending) {
    assertTrue(pending.future.isDone(), "not completed");
    return pending.future.join();
  }

  /** Its failure: its future must have failed by now. */
  static KinesisProducerException failure(PendingRecord pending) {
    assertTrue(pending.future.isCompletedExceptionally(), "not failed");
    CompletionException e = assertThrows(CompletionException.class, pending.future::join);
    return assertInstanceOf(KinesisProducerException.class, e.getCause());
  }
}
