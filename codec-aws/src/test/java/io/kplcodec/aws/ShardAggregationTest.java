package io.kplcodec.aws;

import static io.kplcodec.aws.FakeKinesis.HALF;
import static io.kplcodec.aws.FakeKinesis.HIGH_KEY;
import static io.kplcodec.aws.FakeKinesis.MAX_KEY;
import static io.kplcodec.aws.FakeKinesis.SHARD_0;
import static io.kplcodec.aws.FakeKinesis.SHARD_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.Deaggregator;
import io.kplcodec.ShardMap;
import io.kplcodec.UserRecord;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ShardAggregation} alone, with a real Aggregator, Admission (fake clock), SendQueue and ProducerLock: which
 * user records share an aggregate, what a completed one carries and costs, re-packing, shard map replacement and the
 * flush timer.
 */
@Timeout(10)
class ShardAggregationTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final long HOUR = 3600 * SECOND;
  private static final String BELOW_HALF = new BigInteger(HALF).subtract(BigInteger.ONE).toString();
  private static final ShardMap TWO = ShardMap.builder().add(SHARD_0, "0", BELOW_HALF).add(SHARD_1, HALF, MAX_KEY)
      .build();

  private final long now = 1_000 * SECOND;
  private final Admission admission = new Admission(1L << 30, 10 * SECOND, 1L << 30, () -> now);
  private final ProducerLock lock = new ProducerLock("shard-aggregation-test");
  private final SendQueue sendQueue = new SendQueue();
  /** A rate limit no test reaches. */
  private final ShardRateLimiter unlimited = new ShardRateLimiter(1_000_000, System::nanoTime);
  /** Each user record's data: its partition key, padded. */
  private final Map<PendingRecord, String> data = new HashMap<>();

  @AfterEach
  void shutdown() {
    lock.shutdown();
  }

  private ShardAggregation aggregation(int maxRecordSize, long maxBufferedTimeNanos) {
    return new ShardAggregation(TWO, maxRecordSize, maxRecordSize, Integer.MAX_VALUE, 1 << 20, maxBufferedTimeNanos,
        admission, sendQueue, lock);
  }

  /** Adds a user record of {@code size} data bytes, as the producer does: under the lock. */
  private PendingRecord add(ShardAggregation aggregation, String key, String hashKey, int size) {
    PendingRecord pending = new PendingRecord(key, hashKey, size + key.length(), size + key.length() + 200, now,
        30 * SECOND);
    String bytes = (key + ".".repeat(size)).substring(0, size);
    data.put(pending, bytes);
    lock.run(() -> aggregation.add(pending, ByteBuffer.wrap(bytes.getBytes(StandardCharsets.US_ASCII))));
    return pending;
  }

  /** Every completed record in the send queue, in order. */
  private List<Outgoing> drain() {
    return lock.read(() -> {
      List<Outgoing> all = new ArrayList<>();
      for (SendQueue.Batch batch; (batch = sendQueue.next(500, Long.MAX_VALUE, Long.MAX_VALUE, unlimited)) != null; ) {
        all.addAll(batch.entries());
        sendQueue.release(batch.shards());
      }
      return all;
    });
  }

  /** The data of each user record in the Kinesis record, in order, as a consumer reads them. */
  private static List<String> contents(Outgoing outgoing) {
    List<String> contents = new ArrayList<>();
    for (UserRecord user : Deaggregator.create().deaggregate(outgoing.data())) {
      contents.add(new String(user.dataBytes(), StandardCharsets.US_ASCII));
    }
    return contents;
  }

  /** What the Kinesis record should carry: its user records' data, in order. */
  private List<String> expected(Outgoing outgoing) {
    return Arrays.stream(outgoing.users).map(data::get).toList();
  }

  @Test
  void userRecordsOfDifferentShardsNeverShareAnAggregate() {
    ShardAggregation aggregation = aggregation(1 << 20, HOUR);
    List<PendingRecord> added = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      added.add(add(aggregation, "k" + i, i % 2 == 0 ? Integer.toString(i + 1) : HIGH_KEY, 20));
    }
    lock.run(aggregation::flush);
    List<Outgoing> completed = drain();
    assertEquals(2, completed.size());
    assertEquals(SHARD_0, completed.get(0).shardId());
    assertEquals(List.of(added.get(0), added.get(2), added.get(4)), Arrays.asList(completed.get(0).users));
    assertEquals(SHARD_1, completed.get(1).shardId());
    assertEquals(List.of(added.get(1), added.get(3), added.get(5)), Arrays.asList(completed.get(1).users));
    for (Outgoing outgoing : completed) {
      assertTrue(outgoing.isAggregated());
      assertEquals(expected(outgoing), contents(outgoing));
    }
    assertEquals(0, aggregation.pendingUserRecordCount());
  }

  @Test
  void aFullAggregateCarriesExactlyItsUserRecordsInOrderAndChargesItsBufferSlackUntilReleased() {
    ShardAggregation aggregation = aggregation(1_000, HOUR);
    List<PendingRecord> added = new ArrayList<>();
    while (lock.read(sendQueue::isEmpty)) {
      added.add(add(aggregation, "k" + added.size(), "7", 300));
    }
    Outgoing full = drain().get(0);
    int count = full.users.length;
    assertTrue(count >= 2 && count < added.size(), count + " of " + added.size());
    assertEquals(added.subList(0, count), Arrays.asList(full.users), "the oldest user records, in order");
    assertEquals(expected(full), contents(full));
    assertEquals(added.size() - count, aggregation.pendingUserRecordCount(), "the one that did not fit waits");
    // Its data are an array of their own: the part its user records do not pay for (the framing) is charged.
    long userBytes = count * 302L;
    int dataLength = full.data().remaining();
    assertTrue(dataLength <= 1_000 && dataLength > userBytes, dataLength + " bytes for " + userBytes);
    assertEquals(dataLength - userBytes, full.slack);
    assertEquals(dataLength - userBytes, admission.usedCost());
    full.release(admission);
    assertTrue(full.isReleased());
    assertEquals(0, admission.usedCost());
  }

  @Test
  void repackReAddsOnlyTheSelectedUserRecordsOfAnAggregateAndReleasesIt() {
    ShardAggregation aggregation = aggregation(1 << 20, HOUR);
    PendingRecord first = add(aggregation, "a", "1", 50);
    add(aggregation, "b", "2", 50);
    PendingRecord third = add(aggregation, "c", "3", 50);
    lock.run(aggregation::flush);
    Outgoing old = drain().get(0);
    assertEquals(old.slack, admission.usedCost());
    lock.run(() -> aggregation.repack(old, new boolean[] {true, false, true}));
    assertTrue(old.isReleased());
    assertEquals(0, admission.usedCost(), "the old record's slack is given back");
    assertEquals(2, aggregation.pendingUserRecordCount());
    lock.run(aggregation::flush);
    Outgoing repacked = drain().get(0);
    assertEquals(List.of(first, third), Arrays.asList(repacked.users));
    assertEquals(expected(repacked), contents(repacked));
  }

  @Test
  void repackReAddsARawRecordOnlyIfSelected() {
    ShardAggregation aggregation = aggregation(1 << 20, HOUR);
    PendingRecord lone = add(aggregation, "lone", HIGH_KEY, 40);
    lock.run(aggregation::flush);
    Outgoing raw = drain().get(0);
    assertFalse(raw.isAggregated());
    lock.run(() -> aggregation.repack(raw, new boolean[] {true}));
    assertTrue(raw.isReleased());
    lock.run(aggregation::flush);
    Outgoing again = drain().get(0);
    assertSame(lone, again.users[0]);
    assertEquals(List.of(data.get(lone)), contents(again));
    assertEquals(HIGH_KEY, again.explicitHashKey());
    lock.run(() -> aggregation.repack(again, new boolean[] {false}));
    assertTrue(again.isReleased());
    assertEquals(0, aggregation.pendingUserRecordCount());
    assertEquals(0, admission.usedCost());
  }

  @Test
  void replaceShardMapCompletesTheOpenAggregatesUnderTheOldMapFirst() {
    ShardAggregation aggregation = aggregation(1 << 20, HOUR);
    PendingRecord low = add(aggregation, "low", "1", 10);
    PendingRecord high = add(aggregation, "high", HIGH_KEY, 10);
    ShardMap merged = ShardMap.builder().add("shardId-000000000002", "0", MAX_KEY).build();
    lock.run(() -> aggregation.replaceShardMap(merged));
    assertEquals(merged, aggregation.shardMap());
    assertEquals(0, aggregation.pendingUserRecordCount());
    List<Outgoing> flushed = drain();
    assertEquals(List.of(SHARD_0, SHARD_1), flushed.stream().map(Outgoing::shardId).toList());
    assertSame(low, flushed.get(0).users[0]);
    assertSame(high, flushed.get(1).users[0]);
    add(aggregation, "later", "1", 10);
    add(aggregation, "later", HIGH_KEY, 10);
    lock.run(aggregation::flush);
    List<Outgoing> after = drain();
    assertEquals(1, after.size(), "one shard now");
    assertEquals("shardId-000000000002", after.get(0).shardId());
    assertEquals(2, after.get(0).users.length);
  }

  @Test
  void theTimerFlushesAfterTheMaxBufferedTime() throws InterruptedException {
    long maxBufferedNanos = TimeUnit.MILLISECONDS.toNanos(30);
    ShardAggregation aggregation = aggregation(1 << 20, maxBufferedNanos);
    long start = System.nanoTime();
    lock.run(() -> {
      aggregation.add(new PendingRecord("k", "1", 11, 211, now, 30 * SECOND), ByteBuffer.allocate(10));
      assertTrue(sendQueue.isEmpty(), "held back for its aggregate to fill");
    });
    while (lock.read(sendQueue::isEmpty)) {
      assertTrue(System.nanoTime() - start < 5 * SECOND, "never flushed");
      Thread.sleep(2);
    }
    assertTrue(System.nanoTime() - start >= maxBufferedNanos, "flushed early");
    assertEquals(0, lock.read(aggregation::pendingUserRecordCount));
  }

  @Test
  void whileSomeoneWaitsInFlushNothingIsHeldBack() {
    ShardAggregation aggregation = aggregation(1 << 20, HOUR);
    lock.run(() -> aggregation.flushers(+1));
    PendingRecord first = add(aggregation, "a", "1", 10);
    assertSame(first, drain().get(0).users[0]);
    lock.run(() -> aggregation.flushers(-1));
    add(aggregation, "b", "1", 10);
    assertEquals(1, aggregation.pendingUserRecordCount(), "held back again");
    assertTrue(drain().isEmpty());
  }

  @Test
  void afterStopNoTimerFlushesButFlushersStillDo() throws InterruptedException {
    ShardAggregation aggregation = aggregation(1 << 20, TimeUnit.MILLISECONDS.toNanos(5));
    lock.run(aggregation::stop);
    add(aggregation, "a", "1", 10);
    Thread.sleep(100);
    assertEquals(1, lock.read(aggregation::pendingUserRecordCount), "no timer after stop");
    assertTrue(drain().isEmpty());
    lock.run(() -> aggregation.flushers(+1));
    add(aggregation, "b", "1", 10);
    assertEquals(2, drain().get(0).users.length);
  }
}
