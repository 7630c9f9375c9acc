package io.kplcodec;

import io.kplcodec.internal.Framing;
import io.kplcodec.internal.HashKey;
import io.kplcodec.internal.KeyTable;
import io.kplcodec.internal.Limits;
import io.kplcodec.internal.Md5;
import io.kplcodec.internal.Utf8;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Packs user records into Kinesis records in the KPL aggregated format, exactly to a size limit.
 *
 * <p>Limits: a Kinesis record counts its data plus its partition key (UTF-8) against the stream's maximum record
 * size, as the service does. No output ever exceeds it, and an aggregate is closed only when the next user record
 * would not fit within the fill size ({@link Builder#maxAggregateSize}, the record size unless set smaller), or the
 * configured user-record count is reached: packing is maximal. A user record that could
 * never be sent, even alone, is refused with a {@link RecordTooLargeException} before anything changes.
 *
 * <p>Keys: an aggregate is sent with the partition key of its first user record (or a configured fixed key) and
 * the explicit hash key of its first user record's hash key (its explicit hash key, else the MD5 of its partition
 * key), so it lands on that record's shard. A lone user record is sent raw with its own keys, as the KPL does,
 * unless configured otherwise.
 *
 * <p>Shard-aware mode: with a {@link ShardMap}, the aggregator keeps one open aggregate per shard and routes each
 * user record by its 128-bit hash key, so every user record of an aggregate belongs to the shard it lands on, and
 * a consumer filtering by hash range (as KCL does) drops nothing. {@link #replaceShardMap} re-routes pending user
 * records after a reshard without losing any.
 *
 * <p>When a shard map is needed: without one, an aggregate takes user records of any hash key and lands on its
 * first user record's shard, so on a stream of several shards (or of one, once it is resharded) it can carry user
 * records of other shards. A KCL consumer filters user records by the hash key range of the shard it reads and drops
 * such an aggregate WHOLE, silently: what the KPL's stale shard map causes after a reshard. So use a shard map
 * unless the stream has one shard and is never resharded. Build it from ListShards' open shards, and replace it
 * after a reshard:
 *
 * <pre>{@code
 * ShardMap.Builder shards = ShardMap.builder();
 * for (Shard shard : listShardsResponse.shards()) { // AWS SDK v2; every page, following nextToken
 *   if (shard.sequenceNumberRange().endingSequenceNumber() == null) { // open shards only
 *     shards.add(shard.shardId(), shard.hashKeyRange().startingHashKey(), shard.hashKeyRange().endingHashKey());
 *   }
 * }
 * Aggregator aggregator = Aggregator.builder().shardMap(shards.build()).listener(sender::send).build();
 * }</pre>
 *
 * <p>Routing by partition key only: for senders that cannot set an explicit hash key (such as Flink's
 * KinesisStreamsSink), {@link Builder#routeByPartitionKeyOnly} makes every output record land on its shard through
 * its partition key alone. An aggregate is then sent without an explicit hash key, under its first user record's
 * partition key when that record has no explicit hash key (its MD5 lies in the shard by construction), else under a
 * short routing key whose MD5 lies in the shard (found once per shard by trying "0", "1", ... and cached). A lone
 * user record with an explicit hash key is aggregated rather than sent raw, so that its explicit hash key survives.
 * If no routing key is found for a shard (its range is absurdly narrow), {@code add} and {@code replaceShardMap}
 * throw an {@link IllegalStateException} and change nothing.
 *
 * <p>Output: each completed record is returned from the call that completed it ({@link #flush} and {@link
 * #replaceShardMap} return unmodifiable lists) and, if a {@link Listener} is configured, offered to it on the
 * calling thread before the call returns. Records hold pooled buffers: {@link KinesisRecord#release()} them once
 * sent (see {@link KinesisRecord}).
 *
 * <p>A throwing listener loses nothing: the aggregator still offers it every other record the call completed,
 * finishes the call, and then, instead of returning, throws a {@link ListenerFailedException} that carries every
 * record the call completed (the listener's first exception as cause, further ones suppressed). The aggregator is
 * left as if the call had returned; each method says what that means.
 *
 * <p>Not thread-safe: use one aggregator per producing thread, or synchronize externally.
 */
public final class Aggregator {
  /**
   * The decimal cache: 64 sets of 4, so that up to four hot first keys sharing a set never evict each other
   * (direct-mapped, one set of 16 keys in three had two that did, and formatted a new string per aggregate).
   */
  private static final int DECIMAL_CACHE_SET_BITS = 6;
  private static final int DECIMAL_CACHE_WAYS = 4;
  private static final int DECIMAL_CACHE_SIZE = DECIMAL_CACHE_WAYS << DECIMAL_CACHE_SET_BITS;
  /**
   * Tries to find a routing key for one shard (about a second): enough for a shard owning 1/200,000 of the hash key
   * space with a failure chance of e^-20, far narrower than a stream's shards are in practice.
   */
  private static final int MAX_ROUTING_KEY_TRIES = 4_000_000;
  private final int maxRecordSize;
  /** Aggregates are filled up to this size (data plus outgoing partition key); at most maxRecordSize. */
  private final int maxAggregateSize;
  private final int maxUserRecordsPerAggregate;
  private final boolean aggregateLoneRecords;
  private final String fixedPartitionKey;
  private final boolean routeByPartitionKeyOnly;
  private final BufferPool pool;
  private final KinesisRecord.Slots slots = new KinesisRecord.Slots();
  private final Listener listener;
  private final Md5 md5 = new Md5();
  private final HashKey hashKey = new HashKey();
  /**
   * Perf: the decimal explicit hash keys of recent aggregates, by first hash key. Producers with a few hot partition
   * keys then format each once instead of allocating a new string for every aggregate.
   */
  private final long[] decimalHighs = new long[DECIMAL_CACHE_SIZE];
  private final long[] decimalLows = new long[DECIMAL_CACHE_SIZE];
  private final String[] decimals = new String[DECIMAL_CACHE_SIZE];
  /** Per set, the way the next new decimal replaces. */
  private final byte[] decimalNext = new byte[DECIMAL_CACHE_SIZE / DECIMAL_CACHE_WAYS];
  private ShardMap shardMap;
  /** One open aggregate per shard (or a single one without a shard map), created on first use. */
  private OpenAggregate[] open;
  /** With {@link #routeByPartitionKeyOnly}: per shard, a partition key whose MD5 lies in it, found on first use. */
  private String[] routingKeys;
  /** Set by {@link #prepare} when adding a user record completed an aggregate. */
  private KinesisRecord completed;

  private Aggregator(Builder builder) {
    this.maxRecordSize = builder.maxRecordSize;
    this.maxAggregateSize = builder.maxAggregateSize == 0 ? builder.maxRecordSize : builder.maxAggregateSize;
    this.maxUserRecordsPerAggregate = builder.maxUserRecordsPerAggregate;
    this.aggregateLoneRecords = builder.aggregateLoneRecords;
    this.fixedPartitionKey = builder.fixedPartitionKey;
    this.routeByPartitionKeyOnly = builder.routeByPartitionKeyOnly;
    this.pool = builder.pool != null ? builder.pool : BufferPool.heap();
    this.listener = builder.listener;
    this.shardMap = builder.shardMap;
    this.open = new OpenAggregate[shardMap == null ? 1 : shardMap.size()];
    this.routingKeys = shardMap == null ? null : new String[shardMap.size()];
  }

  /**
   * A builder with the defaults: 1 MiB records, aggregates filled to that size, no user-record count limit, lone
   * records raw, no shard map.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Adds a user record without an explicit hash key, copying its data.
   *
   * @param partitionKey 1 to 256 characters
   * @param data the user record's data
   * @return the record this call completed, or null
   * @throws IllegalArgumentException if the partition key is invalid
   * @throws RecordTooLargeException if the user record can never fit the maximum record size
   * @throws ListenerFailedException if the listener threw on the completed record; see {@link #add(String, String,
   *     byte[], int, int)}
   */
  public KinesisRecord add(String partitionKey, byte[] data) {
    return add(partitionKey, null, data, 0, data.length);
  }

  /**
   * Adds a user record, copying its data.
   *
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey a hash key in 0..2^128-1 in any form the KPL accepts (written and sent canonical, see
   *     {@link AggregateEncoder}), or null
   * @param data the user record's data
   * @return the record this call completed, or null
   * @throws IllegalArgumentException if a key is invalid
   * @throws RecordTooLargeException if the user record can never fit the maximum record size
   * @throws ListenerFailedException if the listener threw on the completed record; see {@link #add(String, String,
   *     byte[], int, int)}
   */
  public KinesisRecord add(String partitionKey, String explicitHashKey, byte[] data) {
    return add(partitionKey, explicitHashKey, data, 0, data.length);
  }

  /**
   * Adds a user record, copying {@code data[offset, offset + length)}.
   *
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey a hash key in 0..2^128-1 in any form the KPL accepts, or null
   * @param data the array holding the user record's data; the range is copied, so the caller may reuse the array
   * @param offset index in {@code data} of the first byte of the user record's data
   * @param length number of bytes of data
   * @return the record this call completed, or null
   * @throws IndexOutOfBoundsException if the range is not within {@code data}; nothing changes then
   * @throws IllegalArgumentException if a key is invalid; nothing changes then
   * @throws RecordTooLargeException if the user record can never fit the maximum record size; nothing changes then
   * @throws ListenerFailedException if the listener threw on the record this call completed: the user record is
   *     added all the same (it is pending), and the exception carries the completed record in place of the return
   *     value
   * @see #add(String, String, byte[])
   */
  public KinesisRecord add(String partitionKey, String explicitHashKey, byte[] data, int offset, int length) {
    Objects.checkFromIndexSize(offset, length, data.length);
    prepare(partitionKey, explicitHashKey, length).encoder.add(partitionKey, explicitHashKey, data, offset, length);
    return handOver(takeCompleted());
  }

  /**
   * Adds a user record, copying {@code data}'s remaining bytes without moving its position.
   *
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey a hash key in 0..2^128-1 in any form the KPL accepts, or null
   * @param data the user record's data, from position to limit (heap, direct or read-only); copied, so the caller
   *     may reuse the buffer
   * @return the record this call completed, or null
   * @throws ListenerFailedException if the listener threw on the completed record; see {@link #add(String, String,
   *     byte[], int, int)}
   * @see #add(String, String, byte[])
   */
  public KinesisRecord add(String partitionKey, String explicitHashKey, ByteBuffer data) {
    prepare(partitionKey, explicitHashKey, data.remaining()).encoder.add(partitionKey, explicitHashKey, data);
    return handOver(takeCompleted());
  }

  /**
   * Completes every open aggregate and returns them, in shard order, as an unmodifiable list, after offering each to
   * the listener.
   *
   * @return the completed records, in shard order; empty if nothing was pending
   * @throws ListenerFailedException if the listener threw on any of them: nothing is pending any more, and the
   *     exception carries every record this flush completed in place of the return value
   */
  public List<KinesisRecord> flush() {
    KinesisRecord first = null;
    List<KinesisRecord> more = null;
    for (OpenAggregate aggregate : open) {
      if (aggregate == null || aggregate.encoder.userRecordCount() == 0) {
        continue;
      }
      KinesisRecord record = complete(aggregate);
      if (first == null) {
        first = record;
      } else {
        if (more == null) {
          more = new ArrayList<>();
          more.add(first);
        }
        more.add(record);
      }
    }
    // Perf: a flush usually completes one aggregate; a singleton list is a third of an ArrayList's garbage.
    List<KinesisRecord> flushed = more != null ? Collections.unmodifiableList(more)
        : first != null ? Collections.singletonList(first) : Collections.emptyList();
    handOver("flush", flushed);
    return flushed;
  }

  /**
   * Replaces the shard map after a reshard, moving every pending user record to the aggregate of the shard that now
   * owns its hash key (order kept per hash key). Returns the records completed while doing so, as an unmodifiable
   * list, after offering them to the listener once the whole move has succeeded and the new map is in force.
   *
   * <p>A user record may no longer be able to lead an aggregate within the size limit: it had joined an aggregate
   * sent under a short partition key, and its new aggregate would be sent under its own longer one. It then stays
   * pending on its own, and goes out raw with its own keys (even with {@link Builder#aggregateLoneRecords}): raw it
   * fits, since it fitted in an aggregate, and it lands on its shard. Nothing joins it.
   *
   * <p>All or nothing: if the move cannot be completed, the aggregator is left exactly as it was (the old map, the
   * same pending user records, nothing handed to the listener; records built during the attempt are released) and
   * the exception says why.
   *
   * @param newShardMap the stream's open shards after the reshard, not null
   * @return the records completed by the move, unmodifiable
   * @throws IllegalStateException if this aggregator was built without a shard map; or, routing by partition key
   *     only, if no routing key can be found for a new shard that a pending user record with an explicit hash key
   *     needs (nothing changed)
   * @throws RecordTooLargeException if, routing by partition key only, a pending user record with an explicit hash
   *     key no longer fits the size limit under its new shard's routing key: raw it would lose its explicit hash
   *     key, so it can be sent by no means under the new map (nothing changed)
   * @throws ListenerFailedException if the listener threw: the new map is in force, the moved user records are
   *     pending, and the exception carries every record the move completed in place of the return value
   */
  public List<KinesisRecord> replaceShardMap(ShardMap newShardMap) {
    Objects.requireNonNull(newShardMap, "newShardMap");
    if (shardMap == null) {
      throw new IllegalStateException("This aggregator was built without a shard map");
    }
    ShardMap oldShardMap = shardMap;
    OpenAggregate[] oldOpen = open;
    String[] oldRoutingKeys = routingKeys;
    shardMap = newShardMap;
    open = new OpenAggregate[newShardMap.size()];
    routingKeys = new String[newShardMap.size()];
    List<KinesisRecord> moved = new ArrayList<>();
    try {
      for (OpenAggregate aggregate : oldOpen) {
        if (aggregate != null) {
          aggregate.encoder.forEachStaged((partitionKey, explicitHashKey, data, offset, length) -> {
            prepare(partitionKey, explicitHashKey, length, true).encoder
                .add(partitionKey, explicitHashKey, data, offset, length);
            KinesisRecord record = takeCompleted();
            if (record != null) {
              moved.add(record);
            }
          });
        }
      }
    } catch (RuntimeException | Error e) {
      // Re-routing only reads the old aggregates: putting the three fields back undoes it.
      shardMap = oldShardMap;
      open = oldOpen;
      routingKeys = oldRoutingKeys;
      KinesisRecord unclaimed = takeCompleted();
      if (unclaimed != null) {
        moved.add(unclaimed);
      }
      moved.forEach(KinesisRecord::release);
      if (e instanceof IllegalStateException) { // no routing key for a new shard
        throw new IllegalStateException(e.getMessage() + ". The shard map was not replaced; nothing changed", e);
      }
      throw e;
    }
    List<KinesisRecord> result = moved.isEmpty() ? Collections.emptyList() : Collections.unmodifiableList(moved);
    handOver("replaceShardMap", result);
    return result;
  }

  /**
   * The shard this aggregator routes a user record with these keys to under its current shard map, or null when not
   * shard-aware. Cheap right after {@code add} of that record: its partition key's hash is still cached.
   *
   * @param partitionKey the user record's partition key
   * @param explicitHashKey its explicit hash key in any form the KPL accepts, or null
   * @return the id of the shard in the current map, or null without a shard map
   * @throws IllegalArgumentException if the explicit hash key is invalid
   */
  public String shardIdFor(String partitionKey, String explicitHashKey) {
    if (shardMap == null) {
      return null;
    }
    hashKey.setToRecordKey(partitionKey, explicitHashKey, md5);
    return shardMap.shardId(shardMap.indexOf(hashKey.high(), hashKey.low()));
  }

  /**
   * The shard map in use: the one built with, or the last one {@link #replaceShardMap} put in force.
   *
   * @return the shard map, or null when not shard-aware
   */
  public ShardMap shardMap() {
    return shardMap;
  }

  /**
   * User records added but not yet part of a completed record.
   *
   * @return the count over all open aggregates; 0 right after a {@link #flush}
   */
  public int pendingUserRecordCount() {
    int count = 0;
    for (OpenAggregate aggregate : open) {
      count += aggregate == null ? 0 : aggregate.encoder.userRecordCount();
    }
    return count;
  }

  /**
   * The configured maximum record size (data plus partition key), in bytes.
   *
   * @return the size no record this aggregator completes exceeds, 1 to 10,485,760
   */
  public int maxRecordSize() {
    return maxRecordSize;
  }

  private OpenAggregate prepare(String partitionKey, String explicitHashKey, int dataLength) {
    return prepare(partitionKey, explicitHashKey, dataLength, false);
  }

  /**
   * Validates a user record, picks its open aggregate, completes that aggregate if the record does not fit in it,
   * and returns it ready for the record. Changes nothing if it throws. {@code reRouting}: the record was accepted
   * before, under the old shard map (see {@link #replaceShardMap}).
   */
  private OpenAggregate prepare(String partitionKey, String explicitHashKey, int dataLength, boolean reRouting) {
    Limits.checkPartitionKey(partitionKey);
    // Perf: without a shard map, a record without an explicit hash key is hashed only if it starts an aggregate.
    boolean hashed = explicitHashKey != null || shardMap != null;
    if (hashed) {
      hashKey.setToRecordKey(partitionKey, explicitHashKey, md5); // also validates the explicit hash key
    }
    int shard = shardMap == null ? 0 : shardMap.indexOf(hashKey.high(), hashKey.low());
    OpenAggregate target = open[shard];
    if (target == null) {
      target = open[shard] = new OpenAggregate(shardMap == null ? null : shardMap.shardId(shard));
    }
    AggregateEncoder encoder = target.encoder;
    int count = encoder.userRecordCount();
    if (count > 0
        && count < maxUserRecordsPerAggregate
        && encoder.sizeWith(partitionKey, explicitHashKey, dataLength) + target.outgoingPartitionKeyLength
            <= maxAggregateSize) {
      return target;
    }
    // The record starts a new aggregate: first make sure it can be sent at all.
    int partitionKeyLength = Utf8.encodedLength(partitionKey);
    String outgoingPartitionKey = fixedPartitionKey != null ? fixedPartitionKey
        : routeByPartitionKeyOnly && explicitHashKey != null ? routingKey(shard)
        : partitionKey;
    int outgoingPartitionKeyLength =
        outgoingPartitionKey == partitionKey ? partitionKeyLength : Utf8.encodedLength(outgoingPartitionKey);
    // Sent raw, a lone record would lose its explicit hash key when routing by partition key only.
    boolean mustAggregate = aggregateLoneRecords || routeByPartitionKeyOnly && explicitHashKey != null;
    long aggregatedSize = Framing.OVERHEAD
        + KeyTable.fieldSize(partitionKeyLength)
        + (explicitHashKey == null ? 0 : KeyTable.fieldSize(HashKey.canonicalExplicitHashKey(explicitHashKey).length()))
        + Framing.recordFieldSize(0, explicitHashKey == null ? -1 : 0, dataLength)
        + outgoingPartitionKeyLength;
    long rawSize = (long) dataLength + partitionKeyLength;
    if (aggregatedSize > maxRecordSize && (mustAggregate || rawSize > maxRecordSize)) {
      if (!reRouting) {
        throw mustAggregate
            ? new RecordTooLargeException("A user record with " + dataLength + " bytes of data and a "
                + partitionKeyLength + "-byte partition key needs " + aggregatedSize
                + " bytes as an aggregate, over the maximum record size of " + maxRecordSize + " bytes",
                aggregatedSize, maxRecordSize)
            : new RecordTooLargeException("A user record with " + dataLength + " bytes of data and a "
                + partitionKeyLength + "-byte partition key needs " + rawSize
                + " bytes, over the maximum record size of " + maxRecordSize + " bytes", rawSize, maxRecordSize);
      }
      boolean rawKeepsItsShard = !(routeByPartitionKeyOnly && explicitHashKey != null);
      if (!rawKeepsItsShard || rawSize > maxRecordSize) {
        throw new RecordTooLargeException("Cannot move a pending user record with " + dataLength
            + " bytes of data and a " + partitionKeyLength + "-byte partition key to shard " + shardMap.shardId(shard)
            + ": aggregated under partition key \"" + outgoingPartitionKey + "\" it needs " + aggregatedSize
            + " bytes, over the maximum record size of " + maxRecordSize + " bytes, and "
            + (rawKeepsItsShard ? "raw it needs " + rawSize + " bytes"
                : "raw it would lose its explicit hash key (routing by partition key only)")
            + ". The shard map was not replaced; nothing changed", aggregatedSize, maxRecordSize);
      }
      // Accepted before under a shorter outgoing key, it goes alone and raw. Nothing can join it: alone it is
      // already over the limit as an aggregate.
      mustAggregate = false;
    }
    if (count > 0) {
      completed = complete(target);
    }
    if (!hashed) {
      hashKey.setToRecordKey(partitionKey, null, md5);
    }
    target.outgoingPartitionKey = outgoingPartitionKey;
    target.outgoingPartitionKeyLength = outgoingPartitionKeyLength;
    target.mustAggregate = mustAggregate;
    target.firstHashHigh = hashKey.high();
    target.firstHashLow = hashKey.low();
    return target;
  }

  private KinesisRecord takeCompleted() {
    KinesisRecord record = completed;
    completed = null;
    return record;
  }

  /** Completes a non-empty aggregate; the caller hands the record over (see {@link #handOver}). */
  private KinesisRecord complete(OpenAggregate aggregate) {
    AggregateEncoder encoder = aggregate.encoder;
    int count = encoder.userRecordCount();
    KinesisRecord record;
    if (count == 1 && !aggregate.mustAggregate) {
      BufferPool.Block block = pool.take(encoder.firstDataLength());
      encoder.copyFirstData(block.buffer);
      record = slots.issue(encoder.partitionKey(0), encoder.explicitHashKeyOrNull(0), block, 1, false,
          aggregate.shardId);
    } else {
      String explicitHashKey =
          routeByPartitionKeyOnly ? null : decimal(aggregate.firstHashHigh, aggregate.firstHashLow);
      BufferPool.Block block = pool.take(encoder.encodedSize()); // Perf: the pool's internal path, no view per record
      encoder.encodeTo(block.buffer);
      record = slots.issue(aggregate.outgoingPartitionKey, explicitHashKey, block, count, true, aggregate.shardId);
    }
    encoder.reset();
    return record;
  }

  /**
   * Offers the record {@code add} completed, if any, to the listener. Perf: allocates nothing unless the listener
   * throws.
   */
  private KinesisRecord handOver(KinesisRecord record) {
    if (record != null && listener != null) {
      try {
        listener.completed(record);
      } catch (Throwable t) { // whatever it throws, Errors included: the record must still reach the caller
        List<KinesisRecord> records = Collections.singletonList(record);
        throw new ListenerFailedException("add", records, records, t);
      }
    }
    return record;
  }

  /** Offers every record to the listener, also after it threw; then, if it threw, throws with them all. */
  private void handOver(String operation, List<KinesisRecord> records) {
    if (listener == null) {
      return;
    }
    List<KinesisRecord> failed = null;
    List<Throwable> failures = null;
    for (int i = 0; i < records.size(); i++) { // Perf: no iterator
      KinesisRecord record = records.get(i);
      try {
        listener.completed(record);
      } catch (Throwable t) {
        if (failed == null) {
          failed = new ArrayList<>();
          failures = new ArrayList<>();
        }
        failed.add(record);
        failures.add(t);
      }
    }
    if (failed != null) {
      ListenerFailedException e =
          new ListenerFailedException(operation, records, Collections.unmodifiableList(failed), failures.get(0));
      for (int i = 1; i < failures.size(); i++) {
        if (failures.get(i) != failures.get(0)) {
          e.addSuppressed(failures.get(i));
        }
      }
      throw e;
    }
  }

  /**
   * A short partition key whose MD5 lies in the given shard: the first of "0", "1", ... that does, cached per shard.
   * A shard owning a fraction f of the hash key space takes about 1/f tries.
   */
  private String routingKey(int shard) {
    String key = routingKeys[shard];
    if (key != null) {
      return key;
    }
    HashKey candidate = new HashKey();
    for (int i = 0; i < MAX_ROUTING_KEY_TRIES; i++) {
      String partitionKey = Integer.toString(i);
      md5.hashKeyOf(partitionKey, candidate);
      if (shardMap.indexOf(candidate.high(), candidate.low()) == shard) {
        return routingKeys[shard] = partitionKey;
      }
    }
    throw new IllegalStateException("No partition key among the first " + MAX_ROUTING_KEY_TRIES
        + " tries hashes into shard " + shardMap.shardId(shard) + " (" + shardMap.range(shardMap.shardId(shard))
        + "): its hash key range is too narrow to route by partition key only");
  }

  /** The decimal form of a hash key, from the cache when it was formatted recently. */
  private String decimal(long high, long low) {
    int set = (int) (((high ^ low) * 0x9E3779B97F4A7C15L) >>> (64 - DECIMAL_CACHE_SET_BITS)) * DECIMAL_CACHE_WAYS;
    for (int way = set; way < set + DECIMAL_CACHE_WAYS; way++) {
      String cached = decimals[way];
      if (cached != null && decimalHighs[way] == high && decimalLows[way] == low) {
        return cached;
      }
    }
    String decimal = HashKey.toDecimal(high, low);
    int victim = set + (decimalNext[set / DECIMAL_CACHE_WAYS]++ & (DECIMAL_CACHE_WAYS - 1)); // round robin
    decimalHighs[victim] = high;
    decimalLows[victim] = low;
    decimals[victim] = decimal;
    return decimal;
  }

  /**
   * Hears every record an {@link Aggregator} completes, on the thread that called the aggregator, before that call
   * returns: the natural place to hand records to a sender. The same record is also returned to the caller (or
   * carried by a {@link ListenerFailedException}): release it once, from wherever it is sent. A listener should not
   * throw; if it does, nothing is lost (see the class comment).
   */
  @FunctionalInterface
  public interface Listener {
    /**
     * A record was completed: an aggregate, or a lone user record sent raw.
     *
     * @param record the completed record: the same object the aggregator's call returns, to be released once, by
     *     whoever sends it
     */
    void completed(KinesisRecord record);
  }

  /** An aggregate being filled, with what its first user record decided. */
  private static final class OpenAggregate {
    final AggregateEncoder encoder = new AggregateEncoder();
    final String shardId;
    String outgoingPartitionKey;
    int outgoingPartitionKeyLength;
    /** Whether the aggregate must be sent aggregated even if it holds one user record. */
    boolean mustAggregate;
    long firstHashHigh;
    long firstHashLow;

    OpenAggregate(String shardId) {
      this.shardId = shardId;
    }
  }

  /** Configures an {@link Aggregator}. Not thread-safe. */
  public static final class Builder {
    private int maxRecordSize = Limits.DEFAULT_MAX_RECORD_SIZE;
    /** 0: unset, the record size. */
    private int maxAggregateSize;
    private int maxUserRecordsPerAggregate = Integer.MAX_VALUE;
    private boolean aggregateLoneRecords;
    private String fixedPartitionKey;
    private boolean routeByPartitionKeyOnly;
    private ShardMap shardMap;
    private BufferPool pool;
    private Listener listener;

    private Builder() {}

    /**
     * The stream's maximum record size in bytes, data plus partition key: 1,048,576 by default, at most 10,485,760.
     *
     * @param bytes the limit, 1 to 10,485,760
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is out of range
     */
    public Builder maxRecordSize(int bytes) {
      this.maxRecordSize = Limits.checkRange("maxRecordSize", bytes, 1, Limits.MAX_RECORD_SIZE);
      return this;
    }

    /**
     * The size aggregates are filled to, in bytes (data plus the aggregate's partition key), as the KPL's {@code
     * AggregationMaxSize}: default the {@link #maxRecordSize}. A user record whose aggregate would be larger than
     * this on its own goes out alone: raw, or as a lone aggregate where it must be aggregated; it is refused only
     * above the record size.
     *
     * @param bytes the fill size, 1 to the record size
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is out of range (checked against the record size in {@link
     *     #build})
     */
    public Builder maxAggregateSize(int bytes) {
      this.maxAggregateSize = Limits.checkRange("maxAggregateSize", bytes, 1, Limits.MAX_RECORD_SIZE);
      return this;
    }

    /**
     * At most this many user records per aggregate (default: no limit but the size).
     *
     * @param count the limit, at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code count} is below 1
     */
    public Builder maxUserRecordsPerAggregate(int count) {
      this.maxUserRecordsPerAggregate = Limits.checkRange("maxUserRecordsPerAggregate", count, 1, Integer.MAX_VALUE);
      return this;
    }

    /**
     * Whether a lone user record is wrapped in the aggregated format (true) or sent raw with its own keys (false,
     * the default, as the KPL does).
     *
     * @param aggregate true to wrap a lone user record, false to send it raw
     * @return this builder
     */
    public Builder aggregateLoneRecords(boolean aggregate) {
      this.aggregateLoneRecords = aggregate;
      return this;
    }

    /**
     * Sends every aggregate with this partition key instead of its first user record's (raw records keep theirs).
     *
     * @param partitionKey 1 to 256 characters
     * @return this builder
     * @throws IllegalArgumentException if the partition key is empty or longer than 256 characters
     * @throws NullPointerException if {@code partitionKey} is null
     */
    public Builder fixedPartitionKey(String partitionKey) {
      this.fixedPartitionKey = Limits.checkPartitionKey(partitionKey);
      return this;
    }

    /**
     * Whether every output record must land on its shard through its partition key alone, without an explicit hash
     * key (default false); for senders that cannot set one. Requires a {@link #shardMap}; excludes a {@link
     * #fixedPartitionKey}. See the class comment.
     *
     * @param routeByPartitionKeyOnly true to send every output record without an explicit hash key
     * @return this builder
     */
    public Builder routeByPartitionKeyOnly(boolean routeByPartitionKeyOnly) {
      this.routeByPartitionKeyOnly = routeByPartitionKeyOnly;
      return this;
    }

    /**
     * Enables shard-aware aggregation with this map (see the class comment).
     *
     * @param shardMap the stream's open shards, not null
     * @return this builder
     */
    public Builder shardMap(ShardMap shardMap) {
      this.shardMap = Objects.requireNonNull(shardMap, "shardMap");
      return this;
    }

    /**
     * Where output buffers come from (default: a new heap pool).
     *
     * @param pool the pool, not null; may be shared with other aggregators, as it is thread-safe
     * @return this builder
     */
    public Builder bufferPool(BufferPool pool) {
      this.pool = Objects.requireNonNull(pool, "pool");
      return this;
    }

    /**
     * Receives every completed record on the calling thread, before the call that completed it returns; see the
     * class comment for what happens if it throws.
     *
     * @param listener the listener, not null (default: none; records are then only returned)
     * @return this builder
     */
    public Builder listener(Listener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * The aggregator.
     *
     * @return a new aggregator with this configuration
     * @throws IllegalStateException if {@link #routeByPartitionKeyOnly} is set without a shard map or with a fixed
     *     partition key
     * @throws IllegalArgumentException if the {@link #maxAggregateSize} is above the {@link #maxRecordSize}
     */
    public Aggregator build() {
      if (maxAggregateSize > maxRecordSize) {
        throw new IllegalArgumentException("maxAggregateSize (" + maxAggregateSize + ") must not exceed maxRecordSize ("
            + maxRecordSize + ")");
      }
      if (routeByPartitionKeyOnly && (shardMap == null || fixedPartitionKey != null)) {
        throw new IllegalStateException(shardMap == null
            ? "routeByPartitionKeyOnly needs a shard map: without one no partition key can be chosen per shard"
            : "routeByPartitionKeyOnly and fixedPartitionKey exclude each other");
      }
      return new Aggregator(this);
    }
  }

  @Override
  public String toString() {
    return "Aggregator{maxRecordSize=" + maxRecordSize
        + (maxAggregateSize == maxRecordSize ? "" : ", maxAggregateSize=" + maxAggregateSize)
        + ", pendingUserRecords=" + pendingUserRecordCount()
        + (shardMap == null ? "" : ", shards=" + shardMap.size()) + "}";
  }
}
