package io.kplcodec.flink;

import io.kplcodec.Aggregator;
import io.kplcodec.HashKeyRange;
import io.kplcodec.KinesisRecord;
import io.kplcodec.ShardMap;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kinesis.sink.PartitionKeyGenerator;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.UserCodeClassLoader;

/**
 * The aggregation step in front of {@code KinesisStreamsSink}: turns user records into Kinesis records with
 * codec-core's {@link Aggregator}, one open aggregate per shard, each sent under a partition key that hashes into
 * its shard (the sink cannot send an explicit hash key).
 *
 * <p>Nothing stays here across a checkpoint: every pending user record is handed to the sink in {@link
 * #prepareSnapshotPreBarrier} (before the barrier reaches the sink, whose state then holds it), at the end of bounded
 * input, and on a processing-time timer at most {@code maxBufferTime} after it arrived. So the operator has no state
 * of its own, and after a restore the user records since the checkpoint come again from upstream.
 *
 * <p>Shard map: listed when the operator opens (waiting a bounded time), then refreshed in the background; a new map
 * is taken up on the task thread, re-routing pending user records. Until the first map arrives (or without one at
 * all), each aggregate holds one partition key's user records only ({@link PartitionKeyAggregation}).
 *
 * <p>Runs on one task thread, as every Flink operator; the shard map arrives from the SDK's threads through an
 * atomic reference.
 */
final class KinesisAggregationOperator<T> extends AbstractStreamOperator<KinesisAggregate>
    implements OneInputStreamOperator<T, KinesisAggregate>, BoundedOneInput {
  private static final long serialVersionUID = 1L;
  private static final long SHARD_MAP_TIMEOUT_SECONDS = 60;

  private final SerializationSchema<T> serializationSchema;
  private final PartitionKeyGenerator<T> partitionKeyGenerator;
  private final ExplicitHashKeyGenerator<T> explicitHashKeyGenerator;
  private final int maxRecordSize;
  private final long maxBufferTimeMillis;
  private final long shardMapRefreshMillis;
  private final long initialShardMapWaitMillis;
  private final ShardMapSource shardMapSource;

  private transient Aggregator shardAggregator;
  private transient PartitionKeyAggregation partitionKeyAggregation;
  private transient AtomicReference<ShardMap> fetchedShardMap;
  private transient AtomicBoolean fetchInFlight;
  private transient AtomicLong shardMapFailures;
  private transient boolean flushTimerRegistered;
  private transient boolean warnedAboutExplicitHashKeys;
  private transient StreamRecord<KinesisAggregate> reuse;
  private transient Consumer<KinesisRecord> emitter;

  /**
   * @param explicitHashKeyGenerator null when user records have none
   * @param shardMapSource null to never use a shard map
   */
  KinesisAggregationOperator(SerializationSchema<T> serializationSchema,
      PartitionKeyGenerator<T> partitionKeyGenerator, ExplicitHashKeyGenerator<T> explicitHashKeyGenerator,
      int maxRecordSize, long maxBufferTimeMillis, ShardMapSource shardMapSource, long shardMapRefreshMillis,
      long initialShardMapWaitMillis) {
    this.serializationSchema = Objects.requireNonNull(serializationSchema, "serializationSchema");
    this.partitionKeyGenerator = Objects.requireNonNull(partitionKeyGenerator, "partitionKeyGenerator");
    this.explicitHashKeyGenerator = explicitHashKeyGenerator;
    this.maxRecordSize = maxRecordSize;
    this.maxBufferTimeMillis = maxBufferTimeMillis;
    this.shardMapSource = shardMapSource;
    this.shardMapRefreshMillis = shardMapRefreshMillis;
    this.initialShardMapWaitMillis = initialShardMapWaitMillis;
    // Same parallelism as the sink and forward partitioning: the chain is source ... -> aggregation -> sink writer.
    setChainingStrategy(ChainingStrategy.ALWAYS);
  }

  @Override
  public void open() throws Exception {
    super.open();
    UserCodeClassLoader classLoader = new UserCodeClassLoader() {
      @Override
      public ClassLoader asClassLoader() {
        return getUserCodeClassloader();
      }

      @Override
      public void registerReleaseHookIfAbsent(String name, Runnable hook) {
        getRuntimeContext().registerUserCodeClassLoaderReleaseHookIfAbsent(name, hook);
      }
    };
    serializationSchema.open(new SerializationSchema.InitializationContext() {
      @Override
      public MetricGroup getMetricGroup() {
        return KinesisAggregationOperator.this.getMetricGroup().addGroup("user");
      }

      @Override
      public UserCodeClassLoader getUserCodeClassLoader() {
        return classLoader;
      }
    });
    reuse = new StreamRecord<>(null);
    emitter = this::emit;
    partitionKeyAggregation = new PartitionKeyAggregation(maxRecordSize);
    fetchedShardMap = new AtomicReference<>();
    fetchInFlight = new AtomicBoolean();
    shardMapFailures = new AtomicLong();
    MetricGroup metrics = getMetricGroup().addGroup("kplAggregation");
    metrics.gauge("pendingUserRecords", this::pendingUserRecordCount);
    metrics.gauge("shards", () -> shardAggregator == null ? 0 : shardAggregator.shardMap().size());
    metrics.gauge("shardMapFailures", shardMapFailures::get);
    if (shardMapSource != null) {
      shardMapSource.open();
      CompletableFuture<?> first = requestShardMap();
      try {
        first.get(initialShardMapWaitMillis, TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // Logged by requestShardMap on failure; a late answer is still taken up when it comes.
      }
      adoptFetchedShardMap();
      if (shardAggregator == null) {
        LOG.warn("No shard map for {} yet: aggregating per partition key until ListShards answers", shardMapSource);
      }
      scheduleShardMapRefresh();
    }
  }

  @Override
  public void processElement(StreamRecord<T> element) throws Exception {
    adoptFetchedShardMap();
    T value = element.getValue();
    String partitionKey = partitionKeyGenerator.apply(value);
    String explicitHashKey = explicitHashKeyGenerator == null ? null : explicitHashKeyGenerator.apply(value);
    byte[] data = serializationSchema.serialize(value);
    if (shardAggregator != null) {
      emit(shardAggregator.add(partitionKey, explicitHashKey, data));
    } else {
      if (explicitHashKey != null) {
        // Not used yet, but refused now as it will be once the shard map is known: whether a job fails on a bad key
        // must not depend on when ListShards answered. Throws IllegalArgumentException naming the problem.
        HashKeyRange.all().contains(explicitHashKey);
      }
      if (explicitHashKey != null && !warnedAboutExplicitHashKeys) {
        warnedAboutExplicitHashKeys = true;
        LOG.warn("Without a shard map, explicit hash keys cannot be honoured (the sink sends only a partition key):"
            + " user records are routed by their partition key until the shard map is known");
      }
      partitionKeyAggregation.add(partitionKey, data, emitter);
    }
    if (!flushTimerRegistered && pendingUserRecordCount() > 0) {
      flushTimerRegistered = true;
      getProcessingTimeService().registerTimer(
          getProcessingTimeService().getCurrentProcessingTime() + maxBufferTimeMillis, time -> {
            flushTimerRegistered = false;
            flush();
          });
    }
  }

  /** Hands every pending user record to the sink before the barrier does, so the checkpoint covers them there. */
  @Override
  public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
    super.prepareSnapshotPreBarrier(checkpointId);
    flush();
  }

  @Override
  public void endInput() {
    flush();
  }

  @Override
  public void finish() throws Exception {
    flush();
    super.finish();
  }

  @Override
  public void close() throws Exception {
    try {
      super.close();
    } finally {
      if (shardMapSource != null) {
        shardMapSource.close();
      }
    }
  }

  /** Completes every open aggregate and emits it. */
  private void flush() {
    adoptFetchedShardMap();
    if (shardAggregator != null) {
      for (KinesisRecord record : shardAggregator.flush()) {
        emit(record);
      }
    }
    partitionKeyAggregation.flush(emitter);
  }

  private int pendingUserRecordCount() {
    return (shardAggregator == null ? 0 : shardAggregator.pendingUserRecordCount())
        + partitionKeyAggregation.pendingUserRecordCount();
  }

  private void emit(KinesisRecord record) {
    if (record == null) {
      return;
    }
    try {
      // Routed by partition key only: codec-core leaves no explicit hash key on shard-aware output, and the
      // per-partition-key fallback's aggregates carry the MD5 of their one partition key, which routes the same.
      output.collect(reuse.replace(new KinesisAggregate(record.partitionKey(), record.dataBytes())));
    } finally {
      record.release();
    }
  }

  /** Asks for the shard map unless a request is running; the answer lands in {@link #fetchedShardMap}. */
  private CompletableFuture<?> requestShardMap() {
    if (!fetchInFlight.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<ShardMap> fetch;
    try {
      // Bounded, so that a request that never answers cannot stop every later refresh.
      fetch = shardMapSource.fetch().orTimeout(SHARD_MAP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (RuntimeException e) {
      fetch = CompletableFuture.failedFuture(e);
    }
    return fetch.whenComplete((shardMap, error) -> {
      if (shardMap != null) {
        fetchedShardMap.set(shardMap);
      } else {
        shardMapFailures.incrementAndGet();
        LOG.warn("ListShards failed for {}; keeping {}", shardMapSource,
            shardAggregator == null ? "per-partition-key aggregation" : "the previous shard map", error);
      }
      fetchInFlight.set(false);
    });
  }

  private void scheduleShardMapRefresh() {
    // Without a map, ask again soon; with one, at the refresh interval.
    long delay = shardAggregator == null ? Math.min(shardMapRefreshMillis, 5_000) : shardMapRefreshMillis;
    getProcessingTimeService().registerTimer(getProcessingTimeService().getCurrentProcessingTime() + delay, time -> {
      adoptFetchedShardMap();
      requestShardMap();
      scheduleShardMapRefresh();
    });
  }

  /** Takes up a shard map fetched in the background, if any: on the task thread only. */
  private void adoptFetchedShardMap() {
    if (fetchedShardMap.get() == null) {
      return; // Perf: one volatile read per user record in the steady state.
    }
    ShardMap shardMap = fetchedShardMap.getAndSet(null);
    if (shardAggregator == null) {
      partitionKeyAggregation.flush(emitter);
      shardAggregator = Aggregator.builder()
          .maxRecordSize(maxRecordSize)
          .shardMap(shardMap)
          .routeByPartitionKeyOnly(true)
          .build();
      LOG.info("Aggregating per shard of {} shards", shardMap.size());
    } else if (!shardAggregator.shardMap().equals(shardMap)) {
      LOG.info("Shard map changed to {} shards; re-routing {} pending user records", shardMap.size(),
          shardAggregator.pendingUserRecordCount());
      for (KinesisRecord record : shardAggregator.replaceShardMap(shardMap)) {
        emit(record);
      }
    }
  }

  @Override
  public String toString() {
    return "KinesisAggregationOperator{maxRecordSize=" + maxRecordSize + ", maxBufferTimeMillis="
        + maxBufferTimeMillis + ", shardMapSource=" + shardMapSource + "}";
  }
}
