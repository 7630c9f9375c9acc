package io.kplcodec.aws;

import io.kplcodec.ShardMap;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Where a completed Kinesis record waits for its PutRecords call, and how calls are assembled: oldest first, within
 * the entry and byte limits, and at most one call (or retry) per shard at a time, so the records of a partition key
 * are stored in the order they were added. After a reshard, the new shards wait until the gone shards' calls are
 * answered, so a record sent to a new shard cannot overtake an earlier one of its key still on its way to the old
 * shard. Not thread-safe: the producer calls it under its lock.
 *
 * <p>Perf: the producer asks for the next call after every step, so asking must not cost a look at every waiting
 * record (tens of thousands while the shards are busy: it was 40% of the producer's CPU on 64 shards). Records wait
 * in a queue per shard, and only the shards that may send now (records waiting, not held, not waiting for a reshard,
 * not held back by the rate limit) are looked at.
 */
final class SendQueue {
  /** The records of one PutRecords call, the shards it holds, and their bytes (data plus partition keys). */
  record Batch(List<Outgoing> entries, List<String> shards, long size) {}

  /** One shard's records, oldest first, and why they may not go now. */
  private static final class ShardQueue {
    final String shardId;
    final ArrayDeque<Outgoing> records = new ArrayDeque<>();
    /** Calls in flight and retries waiting: its next records wait, to keep order. */
    int held;
    /** A new shard after a reshard, waiting until the gone shards are answered. */
    boolean waiting;
    /** Held back by the rate limit until {@code limitedUntilNanos} (the limiter's clock). */
    boolean limited;
    long limitedUntilNanos;
    /** Has records in the call being assembled. */
    boolean inBatch;
    boolean sendable;

    ShardQueue(String shardId) {
      this.shardId = shardId;
    }

    long oldest() {
      return records.peekFirst().sequence;
    }
  }

  private static final Comparator<ShardQueue> OLDEST_FIRST = Comparator.comparingLong(ShardQueue::oldest);

  private final Map<String, ShardQueue> shards = new HashMap<>();
  /** The shards that may send now; the others wait to be released, to stop waiting, or for their tick. */
  private final Set<ShardQueue> sendable = new LinkedHashSet<>();
  /** Shards the rate limit holds back, each until its {@code limitedUntilNanos}. */
  private final List<ShardQueue> limitedShards = new ArrayList<>();
  /** After a reshard: gone shards that still have a call in flight or a retry waiting. */
  private final Set<String> drainingShards = new java.util.HashSet<>();
  private long nextSequence;
  private int size;

  void add(Outgoing outgoing) {
    outgoing.sequence = nextSequence++;
    ShardQueue queue = queue(outgoing.shardId());
    queue.records.addLast(outgoing);
    size++;
    update(queue);
  }

  /** Puts back records taken earlier (a retry), ahead of every record that completed after them. */
  void putBack(List<Outgoing> retried) {
    for (int i = retried.size() - 1; i >= 0; i--) {
      Outgoing outgoing = retried.get(i); // keeps its sequence: older than what waits behind it
      ShardQueue queue = queue(outgoing.shardId());
      queue.records.addFirst(outgoing);
      size++;
      update(queue);
    }
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  /**
   * Takes the next call's records, oldest first, skipping shards that are held or waiting, and holds their shards; null
   * if none can go now.
   *
   * @param room bytes the call may have at most, its first record included (what requests in flight leave)
   * @param limiter the per-shard rate limit: a shard it holds back sends nothing more in this call, to keep order
   */
  Batch next(int maxEntries, long maxRequestSize, long room, ShardRateLimiter limiter) {
    releaseLimited(limiter);
    if (sendable.isEmpty()) {
      return null;
    }
    PriorityQueue<ShardQueue> heads = new PriorityQueue<>(sendable.size(), OLDEST_FIRST);
    heads.addAll(sendable);
    List<Outgoing> batch = new ArrayList<>();
    List<ShardQueue> taken = new ArrayList<>();
    long bytes = 0;
    while (!heads.isEmpty() && batch.size() < maxEntries) {
      ShardQueue queue = heads.poll();
      Outgoing outgoing = queue.records.peekFirst();
      long recordSize = outgoing.sizeInBytes();
      if (bytes + recordSize > maxRequestSize || bytes + recordSize > room) {
        break;
      }
      if (!limiter.tryTake(queue.shardId, recordSize)) {
        queue.limited = true;
        queue.limitedUntilNanos = limiter.heldUntilNanos(queue.shardId);
        limitedShards.add(queue);
        update(queue);
        continue; // it sends nothing more now, to keep its order
      }
      queue.records.pollFirst();
      size--;
      batch.add(outgoing);
      bytes += recordSize;
      if (!queue.inBatch) {
        queue.inBatch = true;
        taken.add(queue);
      }
      if (!queue.records.isEmpty()) {
        heads.add(queue);
      }
    }
    List<String> shardIds = new ArrayList<>(taken.size());
    for (ShardQueue queue : taken) {
      queue.inBatch = false;
      shardIds.add(queue.shardId);
    }
    if (batch.isEmpty()) {
      return null;
    }
    hold(shardIds);
    return new Batch(batch, shardIds, bytes);
  }

  /** Lets the shards the rate limit held back go again once their tick has come; tells the limiter of the others. */
  private void releaseLimited(ShardRateLimiter limiter) {
    if (limitedShards.isEmpty()) {
      return;
    }
    long now = limiter.now();
    for (Iterator<ShardQueue> it = limitedShards.iterator(); it.hasNext(); ) {
      ShardQueue queue = it.next();
      if (now - queue.limitedUntilNanos >= 0) {
        it.remove();
        queue.limited = false;
        update(queue);
      } else {
        limiter.refused(queue.limitedUntilNanos - now); // so that the sender looks again then
      }
    }
  }

  /** Holds shards: their records wait (a call in flight, a retry waiting). */
  void hold(List<String> shardIds) {
    for (String shardId : shardIds) {
      ShardQueue queue = queue(shardId);
      queue.held++;
      update(queue);
    }
  }

  /** Lets shards go again, and the shards waiting on them once every gone shard is answered. */
  void release(List<String> shardIds) {
    for (String shardId : shardIds) {
      ShardQueue queue = shards.get(shardId);
      if (queue == null || queue.held == 0) {
        continue;
      }
      queue.held--;
      update(queue);
      if (queue.held == 0 && drainingShards.remove(shardId)) {
        if (queue.records.isEmpty()) {
          shards.remove(shardId);
        }
        if (drainingShards.isEmpty()) {
          for (ShardQueue other : shards.values()) {
            if (other.waiting) {
              other.waiting = false;
              update(other);
            }
          }
        }
      }
    }
  }

  boolean isHeld(String shardId) {
    ShardQueue queue = shards.get(shardId);
    return queue != null && queue.held > 0;
  }

  /**
   * The shard map changed: new shards wait for the gone shards still held, and the records packed for a gone shard
   * that have not left are taken out, in order, to be re-packed for the shards that own them now.
   */
  List<Outgoing> replaceShardMap(ShardMap oldMap, ShardMap newMap) {
    for (String oldShardId : oldMap.shardIds()) {
      if (newMap.range(oldShardId) == null && isHeld(oldShardId)) {
        drainingShards.add(oldShardId);
      }
    }
    if (!drainingShards.isEmpty()) {
      for (String newShardId : newMap.shardIds()) {
        if (oldMap.range(newShardId) == null) {
          ShardQueue queue = queue(newShardId);
          queue.waiting = true;
          update(queue);
        }
      }
    }
    List<Outgoing> stale = new ArrayList<>();
    for (Iterator<ShardQueue> it = shards.values().iterator(); it.hasNext(); ) {
      ShardQueue queue = it.next();
      if (newMap.range(queue.shardId) == null) {
        size -= queue.records.size();
        stale.addAll(queue.records);
        queue.records.clear();
        update(queue);
        if (queue.held == 0) {
          it.remove();
          limitedShards.remove(queue);
        }
      }
    }
    stale.sort(Comparator.comparingLong(outgoing -> outgoing.sequence));
    return stale;
  }

  private ShardQueue queue(String shardId) {
    return shards.computeIfAbsent(shardId, ShardQueue::new);
  }

  /** Keeps {@link #sendable} true to each shard's state. */
  private void update(ShardQueue queue) {
    boolean may = !queue.records.isEmpty() && queue.held == 0 && !queue.waiting && !queue.limited;
    if (may != queue.sendable) {
      queue.sendable = may;
      if (may) {
        sendable.add(queue);
      } else {
        sendable.remove(queue);
      }
    }
  }
}
