package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.Aggregator;
import io.kplcodec.KinesisRecord;
import io.kplcodec.ShardMap;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Where a completed record waits for its call, and how calls are assembled: alone, with records made for it. */
class SendQueueTest {
  private static final String MAX = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE).toString();
  private static final String HALF = FakeKinesis.HALF;
  private static final String BELOW_HALF = new BigInteger(HALF).subtract(BigInteger.ONE).toString();
  /** No rate limit to speak of. */
  private static final ShardRateLimiter UNLIMITED = new ShardRateLimiter(1_000_000, System::nanoTime);
  private static final ShardMap TWO = ShardMap.builder().add("a", "0", BELOW_HALF).add("b", HALF, MAX).build();

  /** A raw record of {@code size} data bytes for the shard owning {@code hashKey} in {@code map}. */
  private static Outgoing record(ShardMap map, String hashKey, int size) {
    Aggregator aggregator = Aggregator.builder().shardMap(map).build();
    aggregator.add("k", hashKey, new byte[size]);
    List<KinesisRecord> records = aggregator.flush();
    assertEquals(1, records.size());
    return new Outgoing(records.get(0), new PendingRecord[records.get(0).userRecordCount()], 0);
  }

  @Test
  void oneCallPerShardAtATimeInOrder() {
    SendQueue queue = new SendQueue();
    Outgoing a1 = record(TWO, "1", 10);
    Outgoing a2 = record(TWO, "2", 10);
    Outgoing b1 = record(TWO, HALF, 10);
    queue.add(a1);
    queue.add(a2);
    queue.add(b1);
    SendQueue.Batch first = queue.next(500, 1 << 20, Long.MAX_VALUE, UNLIMITED);
    assertEquals(List.of(a1, a2, b1), first.entries(), "one call may carry several records of a shard");
    assertEquals(List.of("a", "b"), first.shards());
    Outgoing a3 = record(TWO, "3", 10);
    Outgoing b2 = record(TWO, HALF, 10);
    queue.add(a3);
    queue.add(b2);
    assertNull(queue.next(500, 1 << 20, Long.MAX_VALUE, UNLIMITED), "both shards have a call in flight");
    queue.release(List.of("b"));
    assertEquals(List.of(b2), queue.next(500, 1 << 20, Long.MAX_VALUE, UNLIMITED).entries());
    queue.release(List.of("a"));
    assertEquals(List.of(a3), queue.next(500, 1 << 20, Long.MAX_VALUE, UNLIMITED).entries());
  }

  @Test
  void aRetryGoesBackAheadOfLaterRecordsAndHoldsItsShardMeanwhile() {
    SendQueue queue = new SendQueue();
    Outgoing a1 = record(TWO, "1", 10);
    queue.add(a1);
    SendQueue.Batch call = queue.next(500, 1 << 20, Long.MAX_VALUE, UNLIMITED);
    Outgoing a2 = record(TWO, "2", 10);
    queue.add(a2);
    // The call failed: its shard stays held through the backoff, then its records go back first.
    queue.hold(call.shards());
    queue.release(call.shards());
    assertNull(queue.next(500, 1 << 20, Long.MAX_VALUE, UNLIMITED), "held during the backoff");
    queue.release(call.shards());
    queue.putBack(call.entries());
    assertEquals(List.of(a1, a2), queue.next(500, 1 << 20, Long.MAX_VALUE, UNLIMITED).entries());
  }

  @Test
  void entryByteAndInFlightLimits() {
    SendQueue queue = new SendQueue();
    for (int i = 0; i < 5; i++) {
      queue.add(record(TWO, Integer.toString(i + 1), 1000));
    }
    assertEquals(2, queue.next(2, 1 << 20, Long.MAX_VALUE, UNLIMITED).entries().size(), "at most 2 entries");
    queue.release(List.of("a"));
    long size = queue.next(500, 2500, Long.MAX_VALUE, UNLIMITED).size();
    assertTrue(size <= 2500 && size > 1000, "two records of about 1,001 bytes: " + size);
    queue.release(List.of("a"));
    assertNull(queue.next(500, 1 << 20, 500, UNLIMITED), "no room left by the requests in flight");
    assertEquals(1, queue.next(500, 1 << 20, 1500, UNLIMITED).entries().size());
    assertTrue(queue.isEmpty());
  }

  @Test
  void afterAReshardNewShardsWaitForTheGoneShardsCallsAndStaleRecordsComeOut() {
    SendQueue queue = new SendQueue();
    queue.add(record(TWO, "1", 10));
    SendQueue.Batch inFlight = queue.next(500, 1 << 20, Long.MAX_VALUE, UNLIMITED); // shard a, in flight
    Outgoing stale = record(TWO, "2", 10);
    Outgoing b = record(TWO, HALF, 10);
    queue.add(stale);
    queue.add(b);
    // Shard a split into a1 and a2.
    String quarter = new BigInteger(HALF).shiftRight(1).toString();
    ShardMap split = ShardMap.builder().add("a1", "0", new BigInteger(quarter).subtract(BigInteger.ONE).toString())
        .add("a2", quarter, BELOW_HALF).add("b", HALF, MAX).build();
    assertEquals(List.of(stale), queue.replaceShardMap(TWO, split), "packed for a gone shard: re-pack it");
    Outgoing a1 = record(split, "1", 10);
    queue.add(a1);
    assertEquals(List.of(b), queue.next(500, 1 << 20, Long.MAX_VALUE, UNLIMITED).entries(), "a1 waits for a's call");
    queue.release(inFlight.shards());
    assertEquals(List.of(a1), queue.next(500, 1 << 20, Long.MAX_VALUE, UNLIMITED).entries());
    assertFalse(queue.isHeld("a"));
  }

  @Test
  void aShardHeldBackByItsRateLimitSendsNothingMoreInThatCallWhileOthersGo() {
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(0);
    ShardRateLimiter limiter = new ShardRateLimiter(1, now::get); // 10 records and 10,485 bytes a second
    SendQueue queue = new SendQueue();
    Outgoing a1 = record(TWO, "1", 10_000);
    Outgoing a2 = record(TWO, "2", 1_000);
    Outgoing a3 = record(TWO, "3", 10);
    Outgoing b1 = record(TWO, HALF, 10);
    List.of(a1, a2, a3, b1).forEach(queue::add);
    SendQueue.Batch batch = queue.next(500, 1 << 20, Long.MAX_VALUE, limiter);
    assertEquals(List.of(a1, b1), batch.entries(), "a2 waits for its shard's bytes; a3 fits but stays behind it");
    long wait = limiter.nanosUntilNextRefusedFits();
    assertEquals(ShardRateLimiter.TICK_NANOS, wait, "a2 fits after (1,001 - 484) / 10,485 s: the next tick");
    queue.release(batch.shards());
    assertNull(queue.next(500, 1 << 20, Long.MAX_VALUE, limiter), "too early");
    now.addAndGet(wait);
    assertEquals(List.of(a2, a3), queue.next(500, 1 << 20, Long.MAX_VALUE, limiter).entries(),
        "at the tick, what refilled meanwhile lets both go, in one call");
  }

  @Test
  void aCallTakesTheOldestRecordsFirstAcrossShards() {
    SendQueue queue = new SendQueue();
    Outgoing b1 = record(TWO, HALF, 10);
    Outgoing a1 = record(TWO, "1", 10);
    Outgoing b2 = record(TWO, HALF, 10);
    Outgoing a2 = record(TWO, "2", 10);
    List.of(b1, a1, b2, a2).forEach(queue::add);
    assertEquals(List.of(b1, a1), queue.next(2, 1 << 20, Long.MAX_VALUE, UNLIMITED).entries());
    queue.release(List.of("a", "b"));
    assertEquals(List.of(b2, a2), queue.next(500, 1 << 20, Long.MAX_VALUE, UNLIMITED).entries());
    assertTrue(queue.isEmpty());
    assertEquals(0, queue.size());
  }

  @Test
  void aShardHeldBackByItsRateLimitStillCountsInTheWaitUntilItsTick() {
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(0);
    ShardRateLimiter limiter = new ShardRateLimiter(1, now::get); // 10 records and 10,485 bytes a second
    SendQueue queue = new SendQueue();
    Outgoing a1 = record(TWO, "1", 10_000);
    Outgoing a2 = record(TWO, "2", 1_000);
    queue.add(a1);
    queue.add(a2);
    assertEquals(List.of(a1), queue.next(500, 1 << 20, Long.MAX_VALUE, limiter).entries());
    queue.release(List.of("a"));
    assertNull(queue.next(500, 1 << 20, Long.MAX_VALUE, limiter));
    assertEquals(ShardRateLimiter.TICK_NANOS, limiter.nanosUntilNextRefusedFits());
    now.addAndGet(ShardRateLimiter.TICK_NANOS / 4);
    assertNull(queue.next(500, 1 << 20, Long.MAX_VALUE, limiter), "still before its tick");
    assertEquals(ShardRateLimiter.TICK_NANOS * 3 / 4, limiter.nanosUntilNextRefusedFits(),
        "the sender is told again when to look, though the shard was not asked again");
    now.addAndGet(ShardRateLimiter.TICK_NANOS * 3 / 4);
    assertEquals(List.of(a2), queue.next(500, 1 << 20, Long.MAX_VALUE, limiter).entries());
    assertEquals(-1, limiter.nanosUntilNextRefusedFits());
  }

  @Test
  void staleRecordsOfSeveralGoneShardsComeOutInTheOrderTheyCompleted() {
    SendQueue queue = new SendQueue();
    Outgoing a1 = record(TWO, "1", 10);
    Outgoing b1 = record(TWO, HALF, 10);
    Outgoing a2 = record(TWO, "2", 10);
    List.of(a1, b1, a2).forEach(queue::add);
    ShardMap merged = ShardMap.builder().add("c", "0", MAX).build();
    assertEquals(List.of(a1, b1, a2), queue.replaceShardMap(TWO, merged));
    assertTrue(queue.isEmpty());
    assertNull(queue.next(500, 1 << 20, Long.MAX_VALUE, UNLIMITED));
  }
}
