package io.kplcodec.aws;

import static io.kplcodec.aws.FakeKinesis.HALF;
import static io.kplcodec.aws.FakeKinesis.HIGH_KEY;
import static io.kplcodec.aws.FakeKinesis.MAX_KEY;
import static io.kplcodec.aws.FakeKinesis.SHARD_0;
import static io.kplcodec.aws.FakeKinesis.SHARD_1;
import static io.kplcodec.aws.FakeKinesis.closedShard;
import static io.kplcodec.aws.FakeKinesis.shard;
import static io.kplcodec.aws.ProducerParts.failure;
import static io.kplcodec.aws.ProducerParts.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.ShardMap;
import io.kplcodec.aws.KinesisProducer.MisroutePolicy;
import io.kplcodec.aws.KinesisProducerException.Reason;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * {@link Reshards} alone, with {@link FakeKinesis} for ListShards and a real ShardAggregation, SendQueue, Outcomes,
 * Admission (fake clock) and ProducerLock. The stream's one shard, {@code PARENT}, split at {@code HALF} into {@code
 * SHARD_0} and {@code SHARD_1}; the producer still packs for {@code PARENT} when an aggregate lands on a child.
 */
@Timeout(10)
class ReshardsTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final String PARENT = "shardId-parent";
  private static final String BELOW_HALF = new BigInteger(HALF).subtract(BigInteger.ONE).toString();
  private static final ShardMap BEFORE = ShardMap.builder().add(PARENT, "0", MAX_KEY).build();
  private static final ShardMap AFTER = ShardMap.builder().add(SHARD_0, "0", BELOW_HALF).add(SHARD_1, HALF, MAX_KEY)
      .build();
  private static final List<Shard> SPLIT =
      List.of(closedShard(PARENT, "0", MAX_KEY), shard(SHARD_0, "0", BELOW_HALF), shard(SHARD_1, HALF, MAX_KEY));

  private final ProducerParts parts = new ProducerParts("reshards-test", BEFORE);
  private final AtomicLong now = parts.now;
  private final FakeKinesis kinesis = new FakeKinesis(); // lists SHARD_0 and SHARD_1 unless told otherwise
  private final Admission admission = parts.admission;
  private final ProducerLock lock = parts.lock;
  private final SendQueue sendQueue = parts.sendQueue;
  private final ShardRateLimiter unlimited = parts.unlimited;
  private final Outcomes outcomes = parts.outcomes;
  private final ShardAggregation aggregation = parts.aggregation;

  @AfterEach
  void shutdown() {
    parts.close();
  }

  /** Reshards that knows {@code shards} (from the producer's start) and asks ListShards again 5 ms after failing. */
  private Reshards reshards(List<Shard> shards, MisroutePolicy policy) {
    return new Reshards(kinesis, "fake", shards, policy, aggregation, sendQueue, unlimited, outcomes, lock, now::get,
        TimeUnit.MILLISECONDS.toNanos(5));
  }

  /** Accepts user records of these hash keys, as the producer does, under the lock. */
  private List<PendingRecord> add(String... hashKeys) {
    List<PendingRecord> added = new ArrayList<>();
    for (String hashKey : hashKeys) {
      PendingRecord pending = new PendingRecord("k" + hashKey, hashKey, 20, 220, now.get(), 30 * SECOND);
      admission.force(pending.cost, pending.bytes);
      lock.run(() -> {
        aggregation.add(pending, ByteBuffer.allocate(10));
        outcomes.accepted(pending);
      });
      added.add(pending);
    }
    return added;
  }

  /** An aggregate of user records with these hash keys, sent and answered: out of the send queue. */
  private Outgoing sent(String... hashKeys) {
    add(hashKeys);
    return lock.call(() -> {
      aggregation.flush();
      SendQueue.Batch call = sendQueue.next(500, Long.MAX_VALUE, Long.MAX_VALUE, unlimited);
      sendQueue.release(call.shards());
      assertEquals(1, call.entries().size());
      return call.entries().get(0);
    });
  }

  /** Completes what the aggregation holds and takes every record in the send queue, in order. */
  private List<Outgoing> flushAndDrain() {
    return lock.call(() -> {
      aggregation.flush();
      List<Outgoing> all = new ArrayList<>();
      for (SendQueue.Batch call; (call = sendQueue.next(500, Long.MAX_VALUE, Long.MAX_VALUE, unlimited)) != null; ) {
        all.addAll(call.entries());
        sendQueue.release(call.shards());
      }
      return all;
    });
  }

  private void await(Supplier<Boolean> condition) throws InterruptedException {
    long deadline = System.nanoTime() + 5 * SECOND;
    while (!lock.read(condition)) {
      assertTrue(System.nanoTime() < deadline, "timed out");
      Thread.sleep(2);
    }
  }

  @Test
  void resendWholeAggregateSendsEveryUserRecordAgainForTheShardsThatOwnThemNow() throws Exception {
    Reshards reshards = reshards(SPLIT, MisroutePolicy.RESEND_WHOLE_AGGREGATE);
    Outgoing landed = sent("1", HIGH_KEY, "2"); // the first and last belong to SHARD_0, where it landed
    lock.run(() -> {
      reshards.misrouted(landed, SHARD_0, "777");
      assertEquals(1, reshards.misroutedRecords);
      assertEquals(3, reshards.userRecordsResent);
      assertEquals(2, reshards.userRecordsResentInRange);
    });
    assertTrue(landed.isReleased());
    for (PendingRecord pending : landed.users) {
      assertFalse(pending.future.isDone());
      assertEquals(2, pending.attempts);
      assertTrue(pending.mayHaveBeenStored(), "it is in the stream already");
    }
    await(() -> reshards.shardMapRefreshes == 1);
    assertEquals(AFTER, lock.read(aggregation::shardMap));
    List<Outgoing> resent = flushAndDrain();
    assertEquals(List.of(SHARD_0, SHARD_1), resent.stream().map(Outgoing::shardId).toList());
    assertEquals(List.of(landed.users[0], landed.users[2]), Arrays.asList(resent.get(0).users));
    assertEquals(List.of(landed.users[1]), Arrays.asList(resent.get(1).users));
  }

  @Test
  void resendOutOfRangeCompletesTheInRangeUserRecordsAndSendsOnlyTheOthersAgain() throws Exception {
    Reshards reshards = reshards(SPLIT, MisroutePolicy.RESEND_OUT_OF_RANGE);
    Outgoing landed = sent("1", HIGH_KEY, "2");
    lock.run(() -> {
      reshards.misrouted(landed, SHARD_0, "777");
      assertEquals(1, reshards.userRecordsResent);
      assertEquals(0, reshards.userRecordsResentInRange);
      // Before the refresh's answer re-packs it into a new aggregate (which is charged its buffer's slack).
      assertEquals(landed.users[1].cost, admission.usedCost(), "only the resent one still holds room");
    });
    assertEquals(new PutResult(SHARD_0, "777", 0, true, 1), result(landed.users[0]));
    assertEquals(new PutResult(SHARD_0, "777", 2, true, 1), result(landed.users[2]));
    PendingRecord outside = landed.users[1];
    assertFalse(outside.future.isDone());
    assertEquals(2, outside.attempts);
    assertTrue(landed.isReleased());
    await(() -> reshards.shardMapRefreshes == 1);
    List<Outgoing> resent = flushAndDrain();
    assertEquals(1, resent.size());
    assertEquals(SHARD_1, resent.get(0).shardId());
    assertEquals(List.of(outside), Arrays.asList(resent.get(0).users));
  }

  @Test
  void landingOnAnUnknownShardWaitsForListShardsToListIt() throws Exception {
    kinesis.shards(List.of(shard(PARENT, "0", MAX_KEY))); // ListShards does not list the children yet
    Reshards reshards = reshards(List.of(shard(PARENT, "0", MAX_KEY)), MisroutePolicy.RESEND_OUT_OF_RANGE);
    Outgoing landed = sent("1", HIGH_KEY, "2");
    lock.run(() -> reshards.misrouted(landed, SHARD_0, "777"));
    await(() -> kinesis.listShardsRequests.size() >= 3); // asked again and again
    assertFalse(landed.users[0].future.isDone(), "unknown whether the shard owns it");
    assertEquals(0, lock.read(() -> reshards.userRecordsResent));
    assertFalse(landed.isReleased());

    kinesis.shards(SPLIT);
    assertEquals(new PutResult(SHARD_0, "777", 0, true, 1), landed.users[0].future.get(5, TimeUnit.SECONDS));
    assertEquals(new PutResult(SHARD_0, "777", 2, true, 1), landed.users[2].future.get(5, TimeUnit.SECONDS));
    assertEquals(1, lock.read(() -> reshards.userRecordsResent));
    assertEquals(AFTER, lock.read(aggregation::shardMap));
    List<Outgoing> resent = flushAndDrain();
    assertEquals(SHARD_1, resent.get(0).shardId());
    assertEquals(List.of(landed.users[1]), Arrays.asList(resent.get(0).users));
  }

  @Test
  void ifListShardsNeverListsTheLandingShardTheRecordsExpireAndMayHaveBeenStored() throws Exception {
    kinesis.shards(List.of(shard(PARENT, "0", MAX_KEY)));
    Reshards reshards = reshards(List.of(shard(PARENT, "0", MAX_KEY)), MisroutePolicy.RESEND_OUT_OF_RANGE);
    Outgoing landed = sent("1", HIGH_KEY);
    lock.run(() -> reshards.misrouted(landed, SHARD_0, "777"));
    await(() -> kinesis.listShardsRequests.size() >= 2);
    now.addAndGet(31 * SECOND);
    for (PendingRecord pending : landed.users) {
      pending.future.handle((result, error) -> null).get(5, TimeUnit.SECONDS);
      KinesisProducerException e = failure(pending);
      assertEquals(Reason.RECORD_TIMEOUT, e.reason());
      assertTrue(e.mayHaveBeenStored(), e.getMessage());
      assertTrue(e.getMessage().contains("ListShards did not give that shard's hash key range"), e.getMessage());
    }
    assertEquals(2, lock.read(() -> outcomes.failedMayHaveBeenStored));
    assertTrue(landed.isReleased());
    assertEquals(0, admission.usedCost());
    int asked = kinesis.listShardsRequests.size();
    Thread.sleep(50);
    assertTrue(kinesis.listShardsRequests.size() <= asked + 1, "stops asking once nothing waits");
  }

  @Test
  void aListShardsAnswerCaughtMidReshardIsAskedAgain() throws Exception {
    // The parent is listed closed and its children not yet: the open shards do not cover the hash key space.
    kinesis.shards(List.of(closedShard(PARENT, "0", MAX_KEY)));
    Reshards reshards = reshards(List.of(shard(PARENT, "0", MAX_KEY)), MisroutePolicy.RESEND_OUT_OF_RANGE);
    Outgoing landed = sent("1");
    lock.run(() -> reshards.misrouted(landed, SHARD_0, "777")); // asks ListShards, which answers at once
    assertEquals(1, kinesis.listShardsRequests.size());
    kinesis.shards(SPLIT);
    assertEquals(new PutResult(SHARD_0, "777", 0, false, 1), landed.users[0].future.get(5, TimeUnit.SECONDS),
        "resolved once ListShards lists the children");
    assertEquals(AFTER, lock.read(aggregation::shardMap));
  }

  @Test
  void aChangedShardMapRepacksTheQueuedAndOpenAggregatesOfGoneShardsInOrder() throws Exception {
    Reshards reshards = reshards(List.of(shard(PARENT, "0", MAX_KEY)), MisroutePolicy.RESEND_OUT_OF_RANGE);
    kinesis.shards(SPLIT);
    Outgoing landed = sent("3"); // lands on SHARD_0, which it belongs to
    List<PendingRecord> queued = add("1", HIGH_KEY);
    lock.run(aggregation::flush); // an aggregate for PARENT waits in the send queue
    Outgoing stale = lock.read(() -> {
      SendQueue.Batch peek = sendQueue.next(500, Long.MAX_VALUE, Long.MAX_VALUE, unlimited);
      sendQueue.release(peek.shards());
      sendQueue.putBack(peek.entries());
      return peek.entries().get(0);
    });
    List<PendingRecord> open = add("2"); // and one in an open aggregate
    lock.run(() -> reshards.misrouted(landed, SHARD_0, "777"));
    assertEquals(new PutResult(SHARD_0, "777", 0, false, 1), landed.users[0].future.get(5, TimeUnit.SECONDS));
    assertEquals(0, lock.read(() -> reshards.userRecordsResent));
    assertTrue(stale.isReleased());
    List<Outgoing> repacked = flushAndDrain();
    assertEquals(List.of(SHARD_0, SHARD_1), repacked.stream().map(Outgoing::shardId).toList());
    assertEquals(List.of(queued.get(0), open.get(0)), Arrays.asList(repacked.get(0).users), "oldest first");
    assertEquals(List.of(queued.get(1)), Arrays.asList(repacked.get(1).users));
  }

  @Test
  void openShardMapDropsClosedShards() {
    Shard noRange = Shard.builder().shardId("shardId-000000000005").hashKeyRange(
        software.amazon.awssdk.services.kinesis.model.HashKeyRange.builder().startingHashKey("0")
            .endingHashKey(MAX_KEY).build()).build();
    assertEquals(AFTER, Reshards.openShardMap(SPLIT));
    assertEquals(List.of("shardId-000000000005"),
        Reshards.openShardMap(List.of(closedShard(PARENT, "0", MAX_KEY), noRange)).shardIds());
  }

  @Test
  void listShardsFollowsNextTokenPages() throws Exception {
    List<Shard> five = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      five.add(shard("shardId-00000000000" + i, Integer.toString(i), Integer.toString(i)));
    }
    kinesis.shards(five);
    kinesis.listShardsPageSize(2);
    assertEquals(five, Reshards.listShards(kinesis, "fake").get(5, TimeUnit.SECONDS));
    List<ListShardsRequest> requests = kinesis.listShardsRequests;
    assertEquals(3, requests.size());
    assertEquals("fake", requests.get(0).streamName());
    assertNull(requests.get(0).nextToken());
    assertEquals(List.of("2", "4"), requests.subList(1, 3).stream().map(ListShardsRequest::nextToken).toList());
    assertNull(requests.get(1).streamName(), "the service refuses a stream name with a next token");
  }
}
