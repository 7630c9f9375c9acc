package io.kplcodec.aws;

import static io.kplcodec.aws.FakeKinesis.HALF;
import static io.kplcodec.aws.FakeKinesis.HIGH_KEY;
import static io.kplcodec.aws.FakeKinesis.MAX_KEY;
import static io.kplcodec.aws.FakeKinesis.SHARD_0;
import static io.kplcodec.aws.FakeKinesis.SHARD_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.ShardMap;
import io.kplcodec.aws.KinesisProducerException.Reason;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Retries} alone, with a real SendQueue, ShardAggregation, Outcomes, Admission (fake clock) and ProducerLock,
 * and a backoff of 50 to 100 ms: requeueing after the backoff with the shards held, expiry, and re-packing.
 */
@Timeout(10)
class RetriesTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final long BACKOFF = TimeUnit.MILLISECONDS.toNanos(100);
  private static final String BELOW_HALF = new BigInteger(HALF).subtract(BigInteger.ONE).toString();
  private static final String QUARTER = new BigInteger(HALF).shiftRight(1).toString();
  private static final ShardMap TWO = ShardMap.builder().add(SHARD_0, "0", BELOW_HALF).add(SHARD_1, HALF, MAX_KEY)
      .build();

  private final ProducerParts parts = new ProducerParts("retries-test", TWO);
  private final AtomicLong now = parts.now;
  private final Admission admission = parts.admission;
  private final ProducerLock lock = parts.lock;
  private final SendQueue sendQueue = parts.sendQueue;
  private final ShardRateLimiter unlimited = parts.unlimited;
  private final Outcomes outcomes = parts.outcomes;
  private final ShardAggregation aggregation = parts.aggregation;
  private final Retries retries =
      new Retries(new RetryPolicy(BACKOFF, BACKOFF), sendQueue, aggregation, outcomes, lock, now::get);

  @AfterEach
  void shutdown() {
    parts.close();
  }

  /** Accepts a user record as the producer does, now by the fake clock. */
  private PendingRecord add(String hashKey) {
    PendingRecord pending = new PendingRecord("k", hashKey, 11, 211, now.get(), 30 * SECOND);
    admission.force(pending.cost, pending.bytes);
    lock.run(() -> {
      aggregation.add(pending, ByteBuffer.allocate(10));
      outcomes.accepted(pending);
    });
    return pending;
  }

  /** Completes the pending aggregates and takes them as the sender does for a call (their shards held). */
  private SendQueue.Batch send() {
    return lock.call(() -> {
      aggregation.flush();
      return next();
    });
  }

  /**
   * The call was answered with a retryable failure: what the sender does then, and {@code meanwhile} in the same step
   * (so before the backoff ends).
   */
  private void failed(SendQueue.Batch call, boolean outcomeUnknown, Runnable meanwhile) {
    lock.run(() -> {
      sendQueue.release(call.shards());
      for (Outgoing outgoing : call.entries()) {
        outgoing.attemptFailed(new RuntimeException("500"), outcomeUnknown);
      }
      retries.later(call.entries());
      meanwhile.run();
    });
  }

  private SendQueue.Batch next() {
    return sendQueue.next(500, Long.MAX_VALUE, Long.MAX_VALUE, unlimited);
  }

  private void await(Supplier<Boolean> condition) throws InterruptedException {
    long deadline = System.nanoTime() + 5 * SECOND;
    while (!lock.read(condition)) {
      assertTrue(System.nanoTime() < deadline, "timed out");
      Thread.sleep(2);
    }
  }

  @Test
  void anEntryWithTimeLeftGoesBackAheadOfLaterRecordsAfterTheBackoffItsShardHeldMeanwhile() throws Exception {
    PendingRecord first = add("1");
    SendQueue.Batch call = send();
    Outgoing retried = call.entries().get(0);
    PendingRecord later = add("2");
    PendingRecord otherShard = add(HIGH_KEY);
    lock.run(aggregation::flush);
    long start = System.nanoTime();
    failed(call, false, () -> {
      assertTrue(sendQueue.isHeld(SHARD_0));
      SendQueue.Batch other = next();
      assertEquals(1, other.entries().size(), "the later record of the retried shard waits");
      assertSame(otherShard, other.entries().get(0).users[0], "other shards are not held");
      sendQueue.release(other.shards());
    });

    await(() -> !sendQueue.isHeld(SHARD_0));
    assertTrue(System.nanoTime() - start >= BACKOFF / 2, "requeued before the backoff");
    List<Outgoing> next = lock.read(this::next).entries();
    assertEquals(2, next.size());
    assertSame(retried, next.get(0), "the retry goes first, as it is");
    assertSame(later, next.get(1).users[0]);
    assertEquals(2, first.attempts);
    assertEquals(1, later.attempts);
    assertEquals(1, retries.retriedEntries);
    assertFalse(first.future.isDone());
  }

  @Test
  void expiredUserRecordsFailAndTheirLiveCompanionsAreRepacked() throws Exception {
    PendingRecord old = add("1");
    now.addAndGet(20 * SECOND);
    PendingRecord young = add("2");
    SendQueue.Batch call = send();
    Outgoing entry = call.entries().get(0);
    assertEquals(2, entry.users.length, "one aggregate");
    now.addAndGet(11 * SECOND); // old is 31 s old: past its timeout of 30 s
    failed(call, true, () -> { });

    assertTrue(old.future.isCompletedExceptionally(), "expired at once");
    CompletionException e = assertThrows(CompletionException.class, old.future::join);
    KinesisProducerException expired = assertInstanceOf(KinesisProducerException.class, e.getCause());
    assertEquals(Reason.RECORD_TIMEOUT, expired.reason());
    assertTrue(expired.mayHaveBeenStored());
    assertEquals(1, outcomes.failed);
    assertTrue(entry.isReleased());
    assertFalse(lock.read(() -> sendQueue.isHeld(SHARD_0)), "nothing waits for a backoff");
    assertEquals(young.cost, admission.usedCost(), "the old record's cost and the entry's slack are given back");
    assertEquals(1, lock.read(aggregation::pendingUserRecordCount));
    assertFalse(young.future.isDone());
    assertEquals(2, young.attempts);
    SendQueue.Batch again = send();
    assertSame(young, again.entries().get(0).users[0]);
    assertEquals(1, again.entries().get(0).users.length);
  }

  @Test
  void anEntryWhoseShardLeftTheShardMapDuringTheBackoffIsRepackedInsteadOfRequeued() throws Exception {
    PendingRecord pending = add("1");
    SendQueue.Batch call = send();
    Outgoing entry = call.entries().get(0);
    ShardMap split = ShardMap.builder()
        .add("shardId-000000000002", "0", new BigInteger(QUARTER).subtract(BigInteger.ONE).toString())
        .add("shardId-000000000003", QUARTER, BELOW_HALF).add(SHARD_1, HALF, MAX_KEY).build();
    failed(call, false, () -> { // then a reshard, as Reshards does it
      ShardMap old = aggregation.shardMap();
      aggregation.replaceShardMap(split);
      assertTrue(sendQueue.replaceShardMap(old, split).isEmpty(), "the retry is not in the queue yet");
    });

    await(() -> !sendQueue.isHeld(SHARD_0));
    assertTrue(entry.isReleased());
    assertTrue(lock.read(sendQueue::isEmpty), "not requeued for a gone shard");
    SendQueue.Batch again = send();
    assertEquals("shardId-000000000002", again.entries().get(0).shardId());
    assertSame(pending, again.entries().get(0).users[0]);
    assertEquals(2, pending.attempts);
  }
}
