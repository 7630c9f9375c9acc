package io.kplcodec.aws;

import static io.kplcodec.aws.ProducerParts.failure;
import static io.kplcodec.aws.ProducerParts.result;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.Aggregator;
import io.kplcodec.KinesisRecord;
import io.kplcodec.ShardMap;
import io.kplcodec.aws.KinesisProducerException.Reason;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Outcomes} alone, with a real Admission (fake clock) and ProducerLock: which futures complete and how, the
 * counts, the outstanding records, the room given back, and that futures complete only once the lock is released.
 */
@Timeout(10)
class OutcomesTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final ShardMap ONE = ShardMap.singleShard("shard");

  private final ProducerParts parts = new ProducerParts("outcomes-test", ONE);
  private final AtomicLong now = parts.now;
  private final Admission admission = parts.admission;
  private final ProducerLock lock = parts.lock;
  private final Outcomes outcomes = parts.outcomes;

  @AfterEach
  void shutdown() {
    parts.close();
  }

  /**
   * An entry of {@code users} user records (raw if one), accepted as the producer accepts them: each one's cost
   * taken from the admission, and the entry's slack.
   */
  private Outgoing entry(int users) {
    Aggregator aggregator = Aggregator.builder().shardMap(ONE).build();
    PendingRecord[] pending = new PendingRecord[users];
    for (int i = 0; i < users; i++) {
      aggregator.add("k" + i, new byte[100]);
      pending[i] = new PendingRecord("k" + i, null, 102, 302, now.get(), 30 * SECOND);
      admission.force(pending[i].cost, pending[i].bytes);
      outcomes.accepted(pending[i]);
    }
    KinesisRecord record = aggregator.flush().get(0);
    admission.force(500, 0);
    return new Outgoing(record, pending, 500);
  }

  @Test
  void succeedCompletesEveryUserRecordWithItsSubSequenceNumberOnceTheLockIsReleased() {
    Outgoing aggregate = entry(3);
    aggregate.users[1].attempts = 2;
    lock.run(() -> {
      outcomes.succeed(aggregate, "shard", "42", null);
      for (PendingRecord pending : aggregate.users) {
        assertFalse(pending.future.isDone(), "completed under the lock");
      }
    });
    for (int i = 0; i < 3; i++) {
      assertEquals(new PutResult("shard", "42", i, true, i == 1 ? 2 : 1), result(aggregate.users[i]));
    }
    assertEquals(3, outcomes.put);
    assertEquals(0, outcomes.failed);
    assertTrue(outcomes.outstandingFutures().isEmpty());
    assertTrue(aggregate.isReleased());
    assertEquals(0, admission.usedCost(), "each user record's cost and the entry's slack are given back");
    assertTrue(admission.drainRate() > 0, "put records count towards the drain rate");
  }

  @Test
  void aRawRecordHasSubSequenceNumberZero() {
    Outgoing raw = entry(1);
    assertFalse(raw.isAggregated());
    lock.run(() -> outcomes.succeed(raw, "shard", "7", null));
    assertEquals(new PutResult("shard", "7", 0, false, 1), result(raw.users[0]));
  }

  @Test
  void succeedWithSkipCompletesOnlyTheOthersAndKeepsTheEntry() {
    Outgoing aggregate = entry(3);
    lock.run(() -> outcomes.succeed(aggregate, "shard", "42", new boolean[] {false, true, false}));
    assertEquals(new PutResult("shard", "42", 0, true, 1), result(aggregate.users[0]));
    assertEquals(new PutResult("shard", "42", 2, true, 1), result(aggregate.users[2]));
    assertFalse(aggregate.users[1].future.isDone());
    assertEquals(List.of(aggregate.users[1].future), outcomes.outstandingFutures());
    assertEquals(2, outcomes.put);
    assertFalse(aggregate.isReleased(), "released by whoever re-packs the skipped one");
    assertEquals(302 + 500, admission.usedCost(), "the skipped record's cost and the entry's slack");
  }

  @Test
  void failCompletesEveryUserRecordForGoodCountingThoseThatMayHaveBeenStored() {
    Outgoing aggregate = entry(2);
    RuntimeException cause = new RuntimeException("AccessDenied");
    aggregate.users[0].attemptFailed(new RuntimeException("timed out"), true);
    aggregate.users[1].attemptFailed(cause, false);
    lock.run(() -> {
      outcomes.fail(aggregate, Reason.THROTTLED, "refused", cause);
      assertFalse(aggregate.users[0].future.isDone(), "failed under the lock");
    });
    KinesisProducerException first = failure(aggregate.users[0]);
    assertEquals(Reason.THROTTLED, first.reason(), "the reason given");
    assertTrue(first.mayHaveBeenStored());
    assertSame(cause, first.getCause());
    assertFalse(failure(aggregate.users[1]).mayHaveBeenStored());
    assertEquals(2, outcomes.failed);
    assertEquals(1, outcomes.failedMayHaveBeenStored);
    assertEquals(0, outcomes.put);
    assertTrue(outcomes.outstandingFutures().isEmpty());
    assertTrue(aggregate.isReleased());
    assertEquals(0, admission.usedCost());
    assertEquals(0.0, admission.drainRate(), "failed records are not put");
  }

  @Test
  void expireFailsAUserRecordWithItsTimeoutAndOnlyTheEntryVersionReleasesTheEntry() {
    Outgoing aggregate = entry(2);
    aggregate.users[1].attemptFailed(new RuntimeException("reset"), true);
    now.addAndGet(31 * SECOND);
    lock.run(() -> {
      outcomes.expire(aggregate.users[0], now.get());
      assertFalse(aggregate.users[0].future.isDone(), "failed under the lock");
    });
    KinesisProducerException expired = failure(aggregate.users[0]);
    assertEquals(Reason.RECORD_TIMEOUT, expired.reason());
    assertTrue(expired.getMessage().contains("record timeout of PT30S (31000 ms since add)"), expired.getMessage());
    assertFalse(aggregate.isReleased(), "its companion still needs the entry");
    assertEquals(302 + 500, admission.usedCost());
    // The entry as it stands now: its one user record still outstanding, and its slack.
    Aggregator aggregator = Aggregator.builder().shardMap(ONE).build();
    aggregator.add("k1", new byte[100]);
    Outgoing rest = new Outgoing(aggregator.flush().get(0), new PendingRecord[] {aggregate.users[1]}, 500);
    lock.run(() -> outcomes.expire(rest, now.get()));
    assertTrue(failure(aggregate.users[1]).mayHaveBeenStored());
    assertTrue(rest.isReleased());
    assertEquals(2, outcomes.failed);
    assertEquals(1, outcomes.failedMayHaveBeenStored);
    assertEquals(0, admission.usedCost());
  }

  @Test
  void outstandingFuturesAreTheAcceptedOnesNotCompletedOldestFirst() {
    Outgoing first = entry(1);
    Outgoing second = entry(2);
    assertEquals(3, outcomes.added);
    List<CompletableFuture<PutResult>> all = List.of(first.users[0].future, second.users[0].future,
        second.users[1].future);
    assertEquals(all, outcomes.outstandingFutures());
    lock.run(() -> outcomes.succeed(first, "shard", "1", null));
    assertEquals(all.subList(1, 3), outcomes.outstandingFutures());
  }
}
