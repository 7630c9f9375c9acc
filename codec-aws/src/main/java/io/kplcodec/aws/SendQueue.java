package io.kplcodec.aws;

import io.kplcodec.ShardMap;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where a completed Kinesis record waits for its PutRecords call, and how calls are assembled: in the order the
 * records completed, within the entry and byte limits, and at most one call (or retry) per shard at a time, so the
 * records of a partition key are stored in the order they were added. After a reshard, the new shards wait until the
 * gone shards' calls are answered, so a record sent to a new shard cannot overtake an earlier one of its key still on
 * its way to the old shard. Not thread-safe: the producer calls it under its lock.
 */
final class SendQueue {
  /** The records of one PutRecords call, the shards it holds, and their bytes (data plus partition keys). */
  record Batch(List<Outgoing> entries, List<String> shards, long size) {}

  private final ArrayDeque<Outgoing> ready = new ArrayDeque<>();
  /** Shards with a call in flight or a retry waiting: their next records wait, to keep order. */
  private final Map<String, Integer> heldShards = new HashMap<>();
  /** After a reshard: gone shards that still have a call in flight or a retry waiting. */
  private final Set<String> drainingShards = new HashSet<>();
  /** ...and the shards that appeared with them, which wait until those are answered. */
  private final Set<String> waitingShards = new HashSet<>();

  void add(Outgoing outgoing) {
    ready.add(outgoing);
  }

  /** Puts back records taken earlier (a retry), ahead of every record that completed after them. */
  void putBack(List<Outgoing> retried) {
    for (int i = retried.size() - 1; i >= 0; i--) {
      ready.addFirst(retried.get(i));
    }
  }

  boolean isEmpty() {
    return ready.isEmpty();
  }

  int size() {
    return ready.size();
  }

  /**
   * Takes the next call's records, oldest first, skipping shards that are held or waiting, and holds their shards; null
   * if none can go now.
   *
   * @param room bytes the call may have at most, its first record included (what requests in flight leave)
   * @param limiter the per-shard rate limit: a shard it holds back sends nothing more in this call, to keep order
   */
  Batch next(int maxEntries, long maxRequestSize, long room, ShardRateLimiter limiter) {
    List<Outgoing> batch = new ArrayList<>();
    List<String> shards = new ArrayList<>();
    List<String> limited = null;
    long size = 0;
    for (Iterator<Outgoing> it = ready.iterator(); it.hasNext() && batch.size() < maxEntries; ) {
      Outgoing outgoing = it.next();
      String shardId = outgoing.shardId();
      if (heldShards.containsKey(shardId) && !shards.contains(shardId) || waitingShards.contains(shardId)
          || limited != null && limited.contains(shardId)) {
        continue; // an earlier record of this shard is in flight, waits for a retry, or waits for its rate limit
      }
      long recordSize = outgoing.record.sizeInBytes();
      if (size + recordSize > maxRequestSize || size + recordSize > room) {
        break;
      }
      if (!limiter.tryTake(shardId, recordSize)) {
        if (limited == null) {
          limited = new ArrayList<>();
        }
        limited.add(shardId);
        continue;
      }
      it.remove();
      batch.add(outgoing);
      size += recordSize;
      if (!shards.contains(shardId)) {
        shards.add(shardId);
      }
    }
    if (batch.isEmpty()) {
      return null;
    }
    hold(shards);
    return new Batch(batch, shards, size);
  }

  /** Holds shards: their records wait (a call in flight, a retry waiting). */
  void hold(List<String> shards) {
    for (String shardId : shards) {
      heldShards.merge(shardId, 1, Integer::sum);
    }
  }

  /** Lets shards go again, and the shards waiting on them once every gone shard is answered. */
  void release(List<String> shards) {
    for (String shardId : shards) {
      heldShards.computeIfPresent(shardId, (id, count) -> count == 1 ? null : count - 1);
      if (!heldShards.containsKey(shardId) && drainingShards.remove(shardId) && drainingShards.isEmpty()) {
        waitingShards.clear();
      }
    }
  }

  boolean isHeld(String shardId) {
    return heldShards.containsKey(shardId);
  }

  /**
   * The shard map changed: new shards wait for the gone shards still held, and the records packed for a gone shard
   * that have not left are taken out, in order, to be re-packed for the shards that own them now.
   */
  List<Outgoing> replaceShardMap(ShardMap oldMap, ShardMap newMap) {
    for (String oldShardId : oldMap.shardIds()) {
      if (newMap.range(oldShardId) == null && heldShards.containsKey(oldShardId)) {
        drainingShards.add(oldShardId);
      }
    }
    if (!drainingShards.isEmpty()) {
      for (String newShardId : newMap.shardIds()) {
        if (oldMap.range(newShardId) == null) {
          waitingShards.add(newShardId);
        }
      }
    }
    List<Outgoing> stale = new ArrayList<>();
    for (Iterator<Outgoing> it = ready.iterator(); it.hasNext(); ) {
      Outgoing outgoing = it.next();
      if (newMap.range(outgoing.shardId()) == null) {
        it.remove();
        stale.add(outgoing);
      }
    }
    return stale;
  }
}
