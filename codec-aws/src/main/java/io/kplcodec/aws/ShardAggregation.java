package io.kplcodec.aws;

import io.kplcodec.Aggregator;
import io.kplcodec.BufferPool;
import io.kplcodec.Deaggregator;
import io.kplcodec.KinesisRecord;
import io.kplcodec.ShardMap;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;

/**
 * Where a user record waits for its aggregate to fill: packed (kpl-codec {@link Aggregator}, shard-aware) only with
 * records bound for the same shard of the current shard map, for at most the max buffered time, then handed, as a
 * completed Kinesis record with its user records ({@link Outgoing}), to the {@link SendQueue}. Re-packs user records
 * that must go again (a retry with expired companions, a misrouted aggregate, a shard that closed) for the shards
 * that own them now. Not thread-safe: the producer calls it under its lock.
 */
final class ShardAggregation {
  /** Re-reads aggregates this producer made, to re-pack some of their user records: no need to check MD5s. */
  private static final Deaggregator DISASSEMBLER = Deaggregator.builder().verifyMd5(false).build();

  private final Aggregator aggregator;
  private final Admission admission;
  private final SendQueue sendQueue;
  private final ProducerLock lock;
  private final long maxBufferedTimeNanos;
  /** User records in the aggregator's open aggregates, per predicted shard, in the order added to it. */
  private final Map<String, ArrayDeque<PendingRecord>> pendingByShard = new HashMap<>();
  private ScheduledFuture<?> flushTimer;
  /** While someone waits in flush: no record is held back for its aggregate to fill. */
  private int flushers;
  /** After close: no timer (the producer's thread is stopping); flushes still complete everything. */
  private boolean stopped;

  ShardAggregation(ShardMap shardMap, int maxRecordSize, int maxAggregateSize, int maxUserRecordsPerAggregate,
      long maxBufferedBytes, long maxBufferedTimeNanos, Admission admission, SendQueue sendQueue, ProducerLock lock) {
    this.aggregator = Aggregator.builder()
        .maxRecordSize(maxRecordSize)
        .maxAggregateSize(maxAggregateSize)
        .maxUserRecordsPerAggregate(maxUserRecordsPerAggregate)
        .shardMap(shardMap)
        // A small pool: a buffer is out only until its record is copied (see Outgoing), and what the pool retains
        // is live heap outside the buffer limit.
        .bufferPool(BufferPool.heap(Math.min(maxBufferedBytes / 16, 4L * maxAggregateSize)))
        .build();
    this.admission = admission;
    this.sendQueue = sendQueue;
    this.lock = lock;
    this.maxBufferedTimeNanos = maxBufferedTimeNanos;
  }

  /**
   * Packs a user record and tracks it under its predicted shard; an aggregate it completes goes to the send queue.
   *
   * @throws IllegalArgumentException or {@link io.kplcodec.RecordTooLargeException} before anything changes, if the
   *     record is invalid
   */
  void add(PendingRecord pending, ByteBuffer data) {
    pack(pending, data);
    armFlushTimer();
  }

  private void pack(PendingRecord pending, ByteBuffer data) {
    KinesisRecord completed = aggregator.add(pending.partitionKey, pending.explicitHashKey, data);
    // The aggregator never puts the record just added into the record it completes: that holds earlier ones.
    if (completed != null) {
      completed(completed);
    }
    // The aggregator's own lookup: it has just hashed this partition key and still has it cached.
    String shardId = aggregator.shardIdFor(pending.partitionKey, pending.explicitHashKey);
    pendingByShard.computeIfAbsent(shardId, id -> new ArrayDeque<>()).add(pending);
  }

  /** Completes every open aggregate, to the send queue. */
  void flush() {
    for (KinesisRecord record : aggregator.flush()) {
      completed(record);
    }
  }

  /** Someone starts ({@code +1}) or stops ({@code -1}) waiting in flush: while anyone does, nothing is held back. */
  void flushers(int change) {
    flushers += change;
  }

  /** No more timers: the producer is closing. */
  void stop() {
    stopped = true;
  }

  /** Re-packs the {@code select}ed user records of an entry for the shards that own them now, and releases it. */
  void repack(Outgoing outgoing, boolean[] select) {
    PendingRecord[] users = outgoing.users;
    if (!outgoing.isAggregated()) {
      if (select[0]) {
        pack(users[0], outgoing.data());
      }
    } else {
      DISASSEMBLER.visit(outgoing.data(), (partitionKey, explicitHashKey, source, offset, length, index) -> {
        if (select[(int) index]) {
          pack(users[(int) index], source.slice(offset, length));
        }
      });
    }
    outgoing.release(admission);
    armFlushTimer();
  }

  /**
   * Packs for a new shard map from now on. The open aggregates are completed first, under the old map: they hold the
   * newest records, and re-packing the stale ones (oldest first, by the caller) keeps each key's order.
   */
  void replaceShardMap(ShardMap newMap) {
    flush();
    if (!aggregator.replaceShardMap(newMap).isEmpty()) {
      throw new IllegalStateException("The aggregator had pending user records after a flush: this is a bug");
    }
  }

  ShardMap shardMap() {
    return aggregator.shardMap();
  }

  int pendingUserRecordCount() {
    return aggregator.pendingUserRecordCount();
  }

  /** A record the aggregator completed holds the first {@code userRecordCount} pending records of its shard. */
  private void completed(KinesisRecord record) {
    ArrayDeque<PendingRecord> queue = pendingByShard.get(record.predictedShardId());
    PendingRecord[] users = new PendingRecord[record.userRecordCount()];
    long userBytes = 0;
    for (int i = 0; i < users.length; i++) {
      users[i] = queue == null ? null : queue.poll();
      if (users[i] == null) {
        throw new IllegalStateException("Producer bookkeeping out of step with the aggregator for shard "
            + record.predictedShardId() + ": this is a bug");
      }
      userBytes += users[i].bytes;
    }
    // The record's data are copied into an array of their own (see Outgoing): the part its user records do not pay
    // for (the aggregate's framing) is charged until it is released, so the buffer limit counts real memory.
    long slack = Math.max(0, record.dataLength() - userBytes);
    admission.force(slack, 0);
    sendQueue.add(new Outgoing(record, users, slack));
  }

  private void armFlushTimer() {
    if (aggregator.pendingUserRecordCount() == 0 || stopped && flushers == 0) {
      return;
    }
    if (flushers > 0) {
      flush(); // someone waits: no reason to hold records back
      return;
    }
    if (flushTimer == null) {
      flushTimer = lock.later(maxBufferedTimeNanos, () -> {
        flushTimer = null;
        flush();
      });
    }
  }
}
