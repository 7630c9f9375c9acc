package io.kplcodec.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Where a record is retried: entries whose attempt failed with a retryable error wait out a backoff ({@link
 * RetryPolicy}), their shards held so later records of those shards stay behind them, then go back to the front of
 * the {@link SendQueue}; user records past their timeout expire instead ({@link Outcomes}), and their companions
 * are re-packed; an entry packed for a shard that closed meanwhile is re-packed for the shards that own its records
 * now. Not thread-safe: the producer calls it under its lock.
 */
final class Retries {
  private final RetryPolicy policy;
  private final SendQueue sendQueue;
  private final ShardAggregation aggregation;
  private final Outcomes outcomes;
  private final ProducerLock lock;
  private final LongSupplier clock;

  long retriedEntries;

  Retries(RetryPolicy policy, SendQueue sendQueue, ShardAggregation aggregation, Outcomes outcomes,
      ProducerLock lock, LongSupplier clock) {
    this.policy = policy;
    this.sendQueue = sendQueue;
    this.aggregation = aggregation;
    this.outcomes = outcomes;
    this.lock = lock;
    this.clock = clock;
  }

  /** Sends entries again after a backoff, or expires the user records out of time (each attempt already noted). */
  void later(List<Outgoing> failed) {
    long now = clock.getAsLong();
    retriedEntries += failed.size();
    RetryPolicy.Plan plan = policy.plan(failed, now);
    for (PendingRecord pending : plan.expired()) {
      outcomes.expire(pending, now);
    }
    for (int i = 0; i < plan.repack().size(); i++) {
      aggregation.repack(plan.repack().get(i), plan.live().get(i));
    }
    if (!plan.again().isEmpty()) {
      sendQueue.hold(plan.shards());
      lock.later(plan.delayNanos(), () -> requeue(plan.again(), plan.shards()));
    }
  }

  private void requeue(List<Outgoing> again, List<String> shards) {
    sendQueue.release(shards);
    List<Outgoing> back = new ArrayList<>(again.size());
    for (Outgoing outgoing : again) {
      if (aggregation.shardMap().range(outgoing.shardId()) == null) {
        aggregation.repack(outgoing, outgoing.all()); // packed for a shard that is gone
      } else {
        back.add(outgoing);
      }
    }
    sendQueue.putBack(back);
  }
}
