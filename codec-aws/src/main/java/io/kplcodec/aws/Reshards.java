package io.kplcodec.aws;

import io.kplcodec.HashKeyRange;
import io.kplcodec.ShardMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * What happens after a reshard: an entry that landed on a shard other than the predicted one completes the user
 * records that shard owns and sends the others again ({@link KinesisProducer.MisroutePolicy}); the shard map is
 * refreshed (ListShards, retried until it lists the shard an entry landed on), and the aggregation and the send queue
 * move to it. Not thread-safe: the producer calls it under its lock.
 */
final class Reshards {
  private final KinesisAsyncClient client;
  private final String streamName;
  private final KinesisProducer.MisroutePolicy misroutePolicy;
  private final ShardAggregation aggregation;
  private final SendQueue sendQueue;
  private final ShardRateLimiter limiter;
  private final Outcomes outcomes;
  private final ProducerLock lock;
  private final LongSupplier clock;
  private final long refreshRetryNanos;
  /** Every shard seen in ListShards, closed ones included: where a misrouted record landed may be closed already. */
  private final Map<String, HashKeyRange> knownRanges = new HashMap<>();
  /** Misrouted entries that landed on a shard not yet known: resolved after the next ListShards. */
  private final List<Misrouted> awaitingShardMap = new ArrayList<>();
  private boolean refreshing;
  private boolean refreshAgain;

  long misroutedRecords;
  long userRecordsResent;
  long userRecordsResentInRange;
  long shardMapRefreshes;

  private record Misrouted(Outgoing outgoing, String shardId, String sequenceNumber) {}

  Reshards(KinesisAsyncClient client, String streamName, List<Shard> shards,
      KinesisProducer.MisroutePolicy misroutePolicy, ShardAggregation aggregation, SendQueue sendQueue,
      ShardRateLimiter limiter, Outcomes outcomes, ProducerLock lock, LongSupplier clock, long refreshRetryNanos) {
    this.client = client;
    this.streamName = streamName;
    this.misroutePolicy = misroutePolicy;
    this.aggregation = aggregation;
    this.sendQueue = sendQueue;
    this.limiter = limiter;
    this.outcomes = outcomes;
    this.lock = lock;
    this.clock = clock;
    this.refreshRetryNanos = refreshRetryNanos;
    shards.forEach(this::learn);
  }

  /** An entry landed on {@code actualShardId}, not on the shard it was packed for. */
  void misrouted(Outgoing outgoing, String actualShardId, String sequenceNumber) {
    misroutedRecords++;
    HashKeyRange range = knownRanges.get(actualShardId);
    if (range == null) {
      awaitingShardMap.add(new Misrouted(outgoing, actualShardId, sequenceNumber));
    } else {
      resolve(outgoing, actualShardId, sequenceNumber, range);
    }
    refresh();
  }

  /** Adds the user records of entries that landed on a shard not listed yet: they are in the stream. */
  void collectLanded(java.util.Set<PendingRecord> into) {
    for (Misrouted misrouted : awaitingShardMap) {
      into.addAll(java.util.Arrays.asList(misrouted.outgoing.users));
    }
  }

  /** Completes the user records the landing shard owns and sends the others again (see the misroute policy). */
  private void resolve(Outgoing outgoing, String shardId, String sequenceNumber, HashKeyRange range) {
    PendingRecord[] users = outgoing.users;
    boolean[] outside = new boolean[users.length];
    boolean anyOutside = false;
    for (int i = 0; i < users.length; i++) {
      outside[i] = !range.containsRecord(users[i].partitionKey, users[i].explicitHashKey);
      anyOutside |= outside[i];
    }
    if (!anyOutside) {
      outcomes.succeed(outgoing, shardId, sequenceNumber, null);
      return;
    }
    KinesisProducerException landed = new KinesisProducerException("Landed on shard " + shardId + " (sequence "
        + "number " + sequenceNumber + "), which does not own all of its aggregate, not the predicted "
        + outgoing.shardId() + ": sent again");
    boolean wholeAgain = misroutePolicy == KinesisProducer.MisroutePolicy.RESEND_WHOLE_AGGREGATE;
    boolean[] again = wholeAgain ? outgoing.all() : outside;
    for (int i = 0; i < users.length; i++) {
      if (again[i]) {
        users[i].attemptFailed(landed, true); // it is in the stream, though a consumer may drop it
        users[i].attempts++;
        userRecordsResent++;
        if (!outside[i]) {
          userRecordsResentInRange++;
        }
      }
    }
    if (!wholeAgain) {
      outcomes.succeed(outgoing, shardId, sequenceNumber, outside);
    }
    aggregation.repack(outgoing, again);
  }

  /** Asks ListShards for the stream's shards, once at a time (again after the answer if asked meanwhile). */
  private void refresh() {
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    refreshing = true;
    // The SDK call once the lock is released, as the Sender's.
    lock.defer(() -> lock.whenComplete(listShards(client, streamName), this::onShardList));
  }

  private void onShardList(List<Shard> shards, Throwable error) {
    refreshing = false;
    if (error != null) {
      retryLater(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
      return;
    }
    shardMapRefreshes++;
    shards.forEach(this::learn);
    ShardMap newMap;
    try {
      newMap = openShardMap(shards);
    } catch (IllegalArgumentException e) {
      // Caught mid-reshard (the open shards leave a gap or overlap): ask again after a pause.
      retryLater(new KinesisProducerException("ListShards answered with open shards that do not cover the hash key "
          + "space once: " + e.getMessage(), e));
      return;
    }
    if (!newMap.equals(aggregation.shardMap())) {
      replaceShardMap(newMap);
    }
    List<Misrouted> waiting = new ArrayList<>(awaitingShardMap);
    awaitingShardMap.clear();
    for (Misrouted misrouted : waiting) {
      HashKeyRange range = knownRanges.get(misrouted.shardId);
      if (range == null) {
        awaitingShardMap.add(misrouted);
      } else {
        resolve(misrouted.outgoing, misrouted.shardId, misrouted.sequenceNumber, range);
      }
    }
    if (!awaitingShardMap.isEmpty()) {
      // Not listed yet (the service lists a new shard a moment after writing to it): ask again after a pause.
      retryLater(new KinesisProducerException("ListShards does not list shard " + awaitingShardMap.get(0).shardId));
    } else if (refreshAgain) {
      refreshAgain = false;
      refresh();
    }
  }

  private void replaceShardMap(ShardMap newMap) {
    ShardMap oldMap = aggregation.shardMap();
    aggregation.replaceShardMap(newMap);
    // Records packed for a shard that closed have not left yet: re-pack them, in order, rather than send an
    // aggregate that mixes the new shards.
    for (Outgoing stale : sendQueue.replaceShardMap(oldMap, newMap)) {
      aggregation.repack(stale, stale.all());
    }
    limiter.retainShards(newMap.shardIds());
  }

  /** After a failed or unhelpful ListShards: fails the misrouted entries that timed out, and asks again later. */
  private void retryLater(Throwable cause) {
    refreshAgain = false;
    failExpiredMisrouted(cause);
    lock.later(refreshRetryNanos, this::refresh);
  }

  /**
   * Misrouted entries wait for ListShards to say which user records their shard owns; if it cannot say before their
   * timeout, they fail like any other record, saying where they are.
   */
  private void failExpiredMisrouted(Throwable cause) {
    long now = clock.getAsLong();
    for (Iterator<Misrouted> it = awaitingShardMap.iterator(); it.hasNext(); ) {
      Misrouted misrouted = it.next();
      boolean expired = false;
      for (PendingRecord pending : misrouted.outgoing.users) {
        expired |= pending.expired(now);
      }
      if (!expired) {
        continue;
      }
      it.remove();
      misrouted.outgoing.attemptFailed(new KinesisProducerException("Landed on shard " + misrouted.shardId
          + " (sequence number " + misrouted.sequenceNumber + "), not the predicted " + misrouted.outgoing.shardId()
          + ", and ListShards did not give that shard's hash key range before the record timeout of "
          + outcomes.recordTimeout() + ", so it is unknown whether that shard owns every user record of it: " + cause,
          cause), true); // it is in the stream, maybe dropped by a consumer
      outcomes.expire(misrouted.outgoing, now);
    }
  }

  private void learn(Shard shard) {
    knownRanges.put(shard.shardId(),
        HashKeyRange.of(shard.hashKeyRange().startingHashKey(), shard.hashKeyRange().endingHashKey()));
  }

  /** Every shard of the stream, closed ones included, over as many ListShards pages as it takes. */
  static CompletableFuture<List<Shard>> listShards(KinesisAsyncClient client, String streamName) {
    ListShardsRequest.Builder named = ListShardsRequest.builder();
    return listShards(client, (isArn(streamName) ? named.streamARN(streamName) : named.streamName(streamName)).build(),
        new ArrayList<>());
  }

  /** A stream given by its ARN ({@code arn:aws:kinesis:...:stream/name}) rather than its name. */
  static boolean isArn(String stream) {
    return stream.startsWith("arn:");
  }

  private static CompletableFuture<List<Shard>> listShards(KinesisAsyncClient client, ListShardsRequest request,
      List<Shard> shards) {
    CompletableFuture<ListShardsResponse> response;
    try {
      response = client.listShards(request);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return response.thenCompose(page -> {
      shards.addAll(page.shards());
      if (page.nextToken() == null) {
        return CompletableFuture.completedFuture(shards);
      }
      return listShards(client, ListShardsRequest.builder().nextToken(page.nextToken()).build(), shards);
    });
  }

  /** The open shards (no ending sequence number) as a shard map. */
  static ShardMap openShardMap(List<Shard> shards) {
    ShardMap.Builder builder = ShardMap.builder();
    for (Shard shard : shards) {
      if (shard.sequenceNumberRange() == null || shard.sequenceNumberRange().endingSequenceNumber() == null) {
        builder.add(shard.shardId(), shard.hashKeyRange().startingHashKey(), shard.hashKeyRange().endingHashKey());
      }
    }
    return builder.build();
  }
}
