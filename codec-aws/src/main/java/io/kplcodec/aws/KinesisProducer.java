package io.kplcodec.aws;

import io.kplcodec.Aggregator;
import io.kplcodec.Deaggregator;
import io.kplcodec.HashKeyRange;
import io.kplcodec.RecordTooLargeException;
import io.kplcodec.ShardMap;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import javax.management.JMException;
import javax.management.ObjectName;
import java.util.function.LongSupplier;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * An aggregating producer over SDK v2's {@link KinesisAsyncClient}: the KPL's aggregation without its native binary.
 *
 * <p>{@link #add} takes a user record and returns a future that completes with where it landed ({@link PutResult}:
 * shard, sequence number, sub-sequence number) or fails with a {@link KinesisProducerException} saying why, whether
 * the record may already be in the stream ({@link KinesisProducerException#mayHaveBeenStored()}: what to do about it
 * is on that class) and every attempt's error. Nothing is dropped silently: every future completes; a record still not
 * put once {@link Builder#recordTimeout} has passed since {@code add} fails at its next failed attempt (so at most
 * about one request timeout and one backoff later), saying how long it waited in the queue.
 *
 * <ul>
 *   <li>Aggregation per shard: user records are packed (kpl-codec {@link Aggregator}) only with records bound for the
 *       same shard of the stream's shard map (ListShards), so a consumer filtering by hash range drops nothing.
 *   <li>Batching: completed records go out in PutRecords calls within the entry and byte limits, at most {@link
 *       Builder#maxInFlightRequests} at a time, and at most one call per shard at a time, so records of a partition
 *       key are stored in the order they were added unless one of them had to be sent again (counted).
 *   <li>Latency: a user record waits at most {@link Builder#maxBufferedTime} (100 ms by default) for an aggregate to
 *       fill (to {@link Builder#maxAggregateSize}, 64 KiB by default).
 *   <li>Rate: each shard's traffic is held to {@link Builder#rateLimit} percent of its limits (150 by default), so a
 *       hot shard waits in the producer rather than being throttled.
 *   <li>Streams: {@link #add(String, String, String, ByteBuffer)} writes to other streams than the builder's, each
 *       with its own shard map, aggregates and reshard handling, sharing the buffer and the calls in flight.
 *   <li>Signals: {@link #outstandingRecords()}, {@link #oldestRecordAge()}, {@link #counters()}, a {@link
 *       ProducerMetrics} listener for the events behind the KPL's metrics, and an MXBean ({@link Builder#jmx}).
 *   <li>Backpressure ({@link Admission}): {@link #add} blocks, up to {@link Builder#maxBlockTime}, while the records
 *       not yet completed cost {@link Builder#maxBufferedBytes} (data, partition key and about 200 bytes of
 *       bookkeeping each), or while they would take longer than {@link Builder#maxQueueTime} (a tenth of the record
 *       timeout by default) to send at the rate records were put over the last 2 s; {@link #tryAdd} never blocks and
 *       says why it refuses. So an outage or a throttling episode stops admission instead of queueing records that
 *       would expire, and requests in flight are limited to a quarter of the buffer, as they cost about 3.4 times
 *       their entries (the SDK's copies): what the producer holds stays within about twice the buffer.
 *   <li>Retries: calls that fail (network, throttling, 5xx) and entries the service refuses (throughput exceeded,
 *       internal failure) are sent again after an exponential backoff with jitter, until the record times out.
 *   <li>Reshards: when an entry lands on a shard other than the predicted one, the shard map is refreshed and the user
 *       records whose hash key lies outside the shard it landed on are sent again to their new shard (see {@link
 *       MisroutePolicy} for the in-range ones); pending and unsent aggregates are re-packed for the new shards.
 * </ul>
 *
 * <p>Its parts, package-private, each with one job and its own tests, follow a record through: {@link Admission}
 * (where it waits to be accepted: backpressure), {@link ShardAggregation} (where it waits for its aggregate to fill),
 * {@link SendQueue} (where its Kinesis record waits for a PutRecords call), {@link Sender} (the call and its answer,
 * within {@link InFlightCalls} and a {@link ShardRateLimiter}), {@link Retries} (where it is retried, after the
 * backoff {@link RetryPolicy} chooses), {@link Reshards} (where it goes again after landing on the wrong shard, and
 * the shard map refresh) and {@link Outcomes} (where its future completes). Each stream has its own aggregation,
 * send queue, rate limiter, sender, retries and reshards; admission, outcomes and the calls in flight are shared.
 * They share one {@link ProducerLock}, which says why there is one. This class is the public face: it wires them and
 * holds the settings.
 *
 * <p>Thread-safe: any number of threads may add. {@link #flush()} and {@link #close()} wait for every record added
 * before them. Futures complete on the producer's own thread or the caller's, never under its lock. A callback
 * running on the producer's thread may {@code add} (never blocking there: the buffer limit is not applied to it, as
 * only that thread could make room) but not {@code flush} or {@code close}, which would wait for that same thread
 * (they throw {@link IllegalStateException}). The client is the caller's: {@link #close()} does not close it.
 */
public final class KinesisProducer implements AutoCloseable {
  /**
   * What to send again when an aggregate lands, after a reshard, on a shard that does not own all of its user
   * records. Those outside the shard are always sent again; the choice is about the ones inside it.
   */
  public enum MisroutePolicy {
    /**
     * Send the whole aggregate's user records again (the default). Safe for every consumer: KCL's {@code
     * AggregatorUtil} and {@link Deaggregator.HashRangePolicy#DROP_WHOLE_AGGREGATE} drop such an aggregate whole, so
     * they see each user record exactly once; a consumer dropping only out-of-range records sees the in-range ones
     * twice (counted in {@link ProducerCounters#userRecordsResentInRange()}).
     */
    RESEND_WHOLE_AGGREGATE,
    /**
     * Send again exactly the user records outside the shard: exactly once for consumers using {@link
     * Deaggregator.HashRangePolicy#DROP_OUT_OF_RANGE_RECORDS} (kpl-codec's {@link KclDeaggregator#create()}), but
     * KCL's own deaggregation loses the in-range ones with the aggregate it drops.
     */
    RESEND_OUT_OF_RANGE
  }

  /** 64 KiB: see {@link Builder#maxAggregateSize}. */
  private static final int DEFAULT_MAX_AGGREGATE_SIZE = 65_536;
  /** For checking keys before a record waits for room. */
  private static final HashKeyRange WHOLE_RANGE = HashKeyRange.all();

  /** The stream of the {@code add}s that name none: the builder's. */
  private final String defaultStream;
  /** The settings, for the parts of each stream. */
  private final Builder settings;
  private final int maxRecordSize;
  private final long maxBufferedBytes;
  private final long maxBlockNanos;
  private final long recordTimeoutNanos;
  private final LongSupplier clock;

  private final ProducerLock lock;
  private final Admission admission;
  private final Outcomes outcomes;
  private final InFlightCalls inFlight;
  /** The builder's stream's parts: no lookup under the lock for the records most callers add. */
  private final StreamPipeline defaultPipeline;
  /** Each stream's parts, in the order of their first record. Guarded by lock. */
  private final Map<String, StreamPipeline> streams = new LinkedHashMap<>();
  /** Which stream sends first in the next step, so that no stream starves the others of calls. Guarded by lock. */
  private int firstToSend;
  /** Guarded by lock. */
  private boolean closed;

  /** Numbers the producers of this JVM for their MXBean names. */
  private static final AtomicInteger PRODUCERS = new AtomicInteger();
  /** This producer's MXBean, or null if it has none. */
  private final ObjectName mbeanName;
  /** Exceptions of the metrics listener, over every stream. */
  private final LongAdder metricsFailures = new LongAdder();

  /** One stream's parts: where its records are packed, queued, sent, retried and re-routed after a reshard. */
  private record StreamPipeline(ShardAggregation aggregation, Retries retries, Reshards reshards, Sender sender,
      StreamMetrics metrics) {}

  private KinesisProducer(Builder builder, List<Shard> shards) {
    this.defaultStream = builder.streamName;
    this.settings = builder.copy();
    this.maxRecordSize = builder.maxRecordSize;
    this.maxBufferedBytes = builder.maxBufferedBytes;
    this.maxBlockNanos = builder.maxBlockTime.toNanos();
    this.recordTimeoutNanos = builder.recordTimeout.toNanos();
    this.clock = builder.clock;
    Duration maxQueueTime = builder.maxQueueTime != null ? builder.maxQueueTime : builder.recordTimeout.dividedBy(10);
    this.admission = new Admission(builder.maxBufferedBytes, maxQueueTime.toNanos(),
        Math.min(builder.maxBufferedBytes, builder.maxRequestSize), clock);
    this.lock = new ProducerLock("kpl-codec-producer-" + defaultStream);
    this.outcomes = new Outcomes(admission, lock, builder.recordTimeout, clock);
    // Requests in flight cost about 3.4 times their entries (the entries, the SDK's copy, its base64 JSON body):
    // a quarter of the buffer keeps everything the producer holds within about twice the buffer.
    this.inFlight = new InFlightCalls(builder.maxInFlightRequests,
        Math.max(builder.maxRequestSize, builder.maxBufferedBytes / 4));
    this.defaultPipeline = pipeline(defaultStream, shards);
    streams.put(defaultStream, defaultPipeline);
    lock.afterEachStep(this::sendWhatMayGo);
    this.mbeanName = builder.jmx ? registerMBean() : null;
  }

  /** Registers this producer's {@link KinesisProducerMXBean}; see there for its name. */
  private ObjectName registerMBean() {
    try {
      ObjectName name = new ObjectName("io.kplcodec:type=KinesisProducer,stream=" + ObjectName.quote(defaultStream)
          + ",id=" + PRODUCERS.incrementAndGet());
      ManagementFactory.getPlatformMBeanServer().registerMBean(new ProducerMXBean(this), name);
      return name;
    } catch (JMException e) {
      throw new IllegalStateException("Cannot register the producer's MXBean", e);
    }
  }

  /** The parts for one stream, from its shards as ListShards gave them. Under the lock (or in the constructor). */
  private StreamPipeline pipeline(String stream, List<Shard> shards) {
    Builder b = settings;
    SendQueue sendQueue = new SendQueue();
    RetryPolicy retryPolicy = new RetryPolicy(b.backoffBase.toNanos(), b.backoffMax.toNanos());
    ShardRateLimiter limiter = new ShardRateLimiter(b.rateLimit, clock);
    int maxAggregateSize = b.maxAggregateSize != 0 ? b.maxAggregateSize
        : Math.min(DEFAULT_MAX_AGGREGATE_SIZE, b.maxRecordSize);
    ShardAggregation aggregation = new ShardAggregation(Reshards.openShardMap(shards), b.maxRecordSize,
        maxAggregateSize, b.maxUserRecordsPerAggregate, b.maxBufferedBytes, b.maxBufferedTime.toNanos(), admission,
        sendQueue, lock);
    Retries retries = new Retries(retryPolicy, sendQueue, aggregation, outcomes, lock, clock);
    Reshards reshards = new Reshards(b.client, stream, shards, b.misroutePolicy, aggregation, sendQueue, limiter,
        outcomes, lock, clock, retryPolicy.maxBackoffNanos());
    Sender sender = new Sender(b.client, stream, b.maxEntriesPerRequest, b.maxRequestSize, inFlight,
        b.requestTimeout, limiter, b.failIfThrottled, sendQueue, outcomes, retries, reshards, lock, clock);
    StreamMetrics metrics =
        b.metrics == null ? StreamMetrics.NONE : new StreamMetrics(stream, b.metrics, metricsFailures);
    return new StreamPipeline(aggregation, retries, reshards, sender, metrics);
  }

  /** The end of every step: each stream sends what may go now, a different stream first each time. */
  private void sendWhatMayGo() {
    List<StreamPipeline> pipelines = new ArrayList<>(streams.values());
    int first = Math.floorMod(firstToSend++, pipelines.size());
    for (int i = 0; i < pipelines.size(); i++) {
      pipelines.get((first + i) % pipelines.size()).sender().trySend();
    }
  }

  /** The parts of {@code stream}, made on its first record: its shards are listed then, outside the lock. */
  private StreamPipeline pipelineFor(String stream) {
    if (stream.equals(defaultStream)) {
      return defaultPipeline; // Perf: once per user record; add checks closed under the lock anyway
    }
    StreamPipeline known = lock.read(() -> {
      if (closed) {
        throw new IllegalStateException("The producer is closed");
      }
      return streams.get(stream);
    });
    if (known != null) {
      return known;
    }
    List<Shard> shards = Builder.listShardsOf(settings.client, stream);
    return lock.call(() -> streams.computeIfAbsent(stream, name -> pipeline(name, shards)));
  }

  /**
   * A builder for a producer putting into {@code streamName} with {@code client} (which stays the caller's).
   *
   * @param client the client for ListShards and PutRecords; the producer never closes it
   * @param streamName the name of the stream to put into, or its ARN ({@code
   *     arn:aws:kinesis:<region>:<account>:stream/<name>}, sent as {@code StreamARN})
   * @return a builder with the defaults
   * @throws NullPointerException if {@code client} or {@code streamName} is null
   */
  public static Builder builder(KinesisAsyncClient client, String streamName) {
    return new Builder(client, streamName);
  }

  /**
   * Adds a user record without an explicit hash key; see {@link #add(String, String, ByteBuffer)}.
   *
   * @param partitionKey 1 to 256 characters
   * @param data the user record's data; copied, so the caller may reuse the array
   * @return completes with where the record landed, or fails with a {@link KinesisProducerException}
   * @throws IllegalArgumentException if the partition key is invalid, at once: before waiting for room
   * @throws io.kplcodec.RecordTooLargeException if data plus partition key can never fit a record, at once
   * @throws IllegalStateException if the producer is closed (also while blocked)
   * @throws NullPointerException if {@code partitionKey} or {@code data} is null
   */
  public CompletableFuture<PutResult> add(String partitionKey, byte[] data) {
    return add(partitionKey, null, ByteBuffer.wrap(data));
  }

  /**
   * Adds a user record; see {@link #add(String, String, ByteBuffer)}.
   *
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey a decimal in 0..2^128-1 in any form the KPL accepts, or null to route by the partition
   *     key's MD5
   * @param data the user record's data; copied, so the caller may reuse the array
   * @return completes with where the record landed, or fails with a {@link KinesisProducerException}
   * @throws IllegalArgumentException if a key is invalid, at once: before waiting for room
   * @throws io.kplcodec.RecordTooLargeException if data plus partition key can never fit a record, at once
   * @throws IllegalStateException if the producer is closed (also while blocked)
   * @throws NullPointerException if {@code partitionKey} or {@code data} is null
   */
  public CompletableFuture<PutResult> add(String partitionKey, String explicitHashKey, byte[] data) {
    return add(partitionKey, explicitHashKey, ByteBuffer.wrap(data));
  }

  /**
   * Adds a user record, copying {@code data}'s remaining bytes (its position is not moved). Blocks, up to {@link
   * Builder#maxBlockTime}, while the producer holds as much as it may ({@link Builder#maxBufferedBytes}) or while
   * the records ahead of it would take longer than {@link Builder#maxQueueTime} to send at the rate records are being
   * put now (an outage, throttling); then fails the future at once, with {@link
   * KinesisProducerException.Reason#BUFFER_FULL} or {@link KinesisProducerException.Reason#QUEUE_TOO_LONG}, having
   * buffered nothing.
   *
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey a decimal in 0..2^128-1, or null to route by the partition key's MD5. Taken in any form the
   *     KPL accepts (surrounding whitespace, a sign, leading zeros: {@code " +0042"}) and written and sent in the
   *     canonical form the service requires ({@code "42"}), as the KPL does; see {@link io.kplcodec.AggregateEncoder}
   * @param data the user record's data, from position to limit (heap, direct or read-only); copied, so the caller
   *     may reuse the buffer
   * @return completes with where the record landed, or fails with a {@link KinesisProducerException}; also with
   *     {@link KinesisProducerException.Reason#INTERRUPTED} if the thread is interrupted while blocked (its interrupt
   *     status is set again)
   * @throws IllegalArgumentException if a key is invalid (an explicit hash key not a decimal integer, negative or above
   *     2^128-1), at once: before waiting for room
   * @throws io.kplcodec.RecordTooLargeException if data plus partition key can never fit a record, at once
   * @throws IllegalStateException if the producer is closed (also while blocked)
   * @throws NullPointerException if {@code partitionKey} or {@code data} is null
   */
  public CompletableFuture<PutResult> add(String partitionKey, String explicitHashKey, ByteBuffer data) {
    return add(defaultStream, partitionKey, explicitHashKey, data, true);
  }

  /**
   * Adds a user record to a stream other than the builder's, as the KPL's {@code addUserRecord(stream, ...)}; see
   * {@link #add(String, String, ByteBuffer)}. Each stream has its own shard map, aggregates, calls and reshard
   * handling; the buffer limit, the calls in flight and the producer's thread are shared. The first record for a
   * stream lists its shards (ListShards, on the calling thread, as {@link Builder#build()} does).
   *
   * @param stream the stream's name, or its ARN
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey a decimal in 0..2^128-1 in any form the KPL accepts, or null to route by the partition
   *     key's MD5
   * @param data the user record's data, from position to limit; copied
   * @return completes with where the record landed, or fails with a {@link KinesisProducerException}
   * @throws IllegalArgumentException if a key is invalid, at once: before waiting for room
   * @throws io.kplcodec.RecordTooLargeException if data plus partition key can never fit a record, at once
   * @throws KinesisProducerException if the stream's shards cannot be listed (it does not exist, say); nothing is
   *     buffered, and the next record for it tries again
   * @throws IllegalStateException if the producer is closed (also while blocked)
   * @throws NullPointerException if {@code stream}, {@code partitionKey} or {@code data} is null
   */
  public CompletableFuture<PutResult> add(String stream, String partitionKey, String explicitHashKey,
      ByteBuffer data) {
    return add(Objects.requireNonNull(stream, "stream"), partitionKey, explicitHashKey, data, true);
  }

  /**
   * As {@link #add(String, String, String, ByteBuffer)}, for a byte array.
   *
   * @param stream the stream's name, or its ARN
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey a hash key as for {@link #add(String, String, ByteBuffer)}, or null
   * @param data the user record's data; copied
   * @return completes with where the record landed, or fails with a {@link KinesisProducerException}
   * @throws IllegalArgumentException if a key is invalid, at once: before waiting for room
   * @throws io.kplcodec.RecordTooLargeException if data plus partition key can never fit a record, at once
   * @throws KinesisProducerException if the stream's shards cannot be listed; nothing is buffered
   * @throws IllegalStateException if the producer is closed (also while blocked)
   * @throws NullPointerException if {@code stream}, {@code partitionKey} or {@code data} is null
   */
  public CompletableFuture<PutResult> add(String stream, String partitionKey, String explicitHashKey, byte[] data) {
    return add(stream, partitionKey, explicitHashKey, ByteBuffer.wrap(data));
  }

  /**
   * As {@link #tryAdd(String, String, ByteBuffer)}, to a stream other than the builder's (see {@link #add(String,
   * String, String, ByteBuffer)}): never waits for room, though the first record for a stream lists its shards.
   *
   * @param stream the stream's name, or its ARN
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey a hash key as for {@link #add(String, String, ByteBuffer)}, or null
   * @param data the user record's data, from position to limit; copied
   * @return completes with where the record landed, or fails with a {@link KinesisProducerException}; already
   *     failed with {@link KinesisProducerException.Reason#BUFFER_FULL} or {@link
   *     KinesisProducerException.Reason#QUEUE_TOO_LONG} if there is no room now
   * @throws IllegalArgumentException if a key is invalid
   * @throws io.kplcodec.RecordTooLargeException if data plus partition key can never fit a record
   * @throws KinesisProducerException if the stream's shards cannot be listed; nothing is buffered
   * @throws IllegalStateException if the producer is closed
   * @throws NullPointerException if {@code stream}, {@code partitionKey} or {@code data} is null
   */
  public CompletableFuture<PutResult> tryAdd(String stream, String partitionKey, String explicitHashKey,
      ByteBuffer data) {
    return add(Objects.requireNonNull(stream, "stream"), partitionKey, explicitHashKey, data, false);
  }

  /**
   * Adds a user record if there is room now, never blocking; see {@link #tryAdd(String, String, ByteBuffer)}.
   *
   * @param partitionKey 1 to 256 characters
   * @param data the user record's data; copied, so the caller may reuse the array
   * @return completes with where the record landed, or fails with a {@link KinesisProducerException}; already failed,
   *     with nothing buffered, when there is no room now
   * @throws IllegalArgumentException if the partition key is invalid, at once: before waiting for room
   * @throws io.kplcodec.RecordTooLargeException if data plus partition key can never fit a record, at once
   * @throws IllegalStateException if the producer is closed
   * @throws NullPointerException if {@code partitionKey} or {@code data} is null
   */
  public CompletableFuture<PutResult> tryAdd(String partitionKey, byte[] data) {
    return add(defaultStream, partitionKey, null, ByteBuffer.wrap(data), false);
  }

  /**
   * As {@link #add(String, String, ByteBuffer)}, but never blocks: when there is no room now, the returned future has
   * already failed with a {@link KinesisProducerException} whose {@link KinesisProducerException#reason()} says why
   * ({@link KinesisProducerException.Reason#BUFFER_FULL} or {@link KinesisProducerException.Reason#QUEUE_TOO_LONG}),
   * and nothing was buffered.
   *
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey a decimal in 0..2^128-1 in any form the KPL accepts, or null to route by the partition
   *     key's MD5 (see {@link #add(String, String, ByteBuffer)})
   * @param data the user record's data, from position to limit; copied, so the caller may reuse the buffer
   * @return completes with where the record landed, or fails with a {@link KinesisProducerException}; already failed
   *     when there is no room now
   * @throws IllegalArgumentException if a key is invalid, at once: before waiting for room
   * @throws io.kplcodec.RecordTooLargeException if data plus partition key can never fit a record, at once
   * @throws IllegalStateException if the producer is closed
   * @throws NullPointerException if {@code partitionKey} or {@code data} is null
   */
  public CompletableFuture<PutResult> tryAdd(String partitionKey, String explicitHashKey, ByteBuffer data) {
    return add(defaultStream, partitionKey, explicitHashKey, data, false);
  }

  private CompletableFuture<PutResult> add(String stream, String partitionKey, String explicitHashKey,
      ByteBuffer data, boolean mayBlock) {
    Objects.requireNonNull(partitionKey, "partitionKey");
    Objects.requireNonNull(data, "data");
    checkRecord(partitionKey, explicitHashKey, data.remaining());
    StreamPipeline pipeline = pipelineFor(stream);
    long bytes = (long) data.remaining() + partitionKey.length();
    long cost = bytes + Admission.PER_RECORD_OVERHEAD;
    KinesisProducerException.Reason refusal;
    if (lock.onProducerThread()) {
      // A callback adding: only this thread could make room, so it never waits (nor is refused).
      admission.force(cost, bytes);
      refusal = null;
    } else if (mayBlock) {
      try {
        refusal = admission.acquire(cost, bytes, maxBlockNanos); // throws if closed, taking nothing
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return refused(KinesisProducerException.Reason.INTERRUPTED, "Interrupted while waiting for room", e);
      }
    } else {
      refusal = admission.tryAcquire(cost, bytes);
    }
    if (refusal != null) {
      return refused(refusal, refusal == KinesisProducerException.Reason.BUFFER_FULL
          ? "Not accepted: the producer holds its limit of " + maxBufferedBytes + " bytes"
              + (mayBlock ? " and did for the max block time of " + Duration.ofNanos(maxBlockNanos) : "")
          : "Not accepted: the records ahead of it would take longer than the max queue time to send at the current "
              + "rate (" + Math.round(admission.drainRate()) + " bytes/s)"
              + (mayBlock ? ", for the max block time of " + Duration.ofNanos(maxBlockNanos) : ""), null);
    }
    return lock.call(() -> {
      if (closed) {
        admission.release(cost, bytes, false);
        throw new IllegalStateException("The producer is closed");
      }
      PendingRecord pending =
          new PendingRecord(partitionKey, explicitHashKey, bytes, cost, clock.getAsLong(), recordTimeoutNanos);
      try {
        pipeline.aggregation().add(pending, data); // throws before anything changes if the record is invalid
      } catch (RuntimeException e) {
        admission.release(cost, bytes, false);
        throw e;
      }
      pending.metrics = pipeline.metrics();
      pipeline.metrics().userRecordReceived();
      outcomes.accepted(pending);
      return pending.future;
    });
  }

  /**
   * Refuses an invalid user record before it waits for room (the aggregator checks it again under the lock, exactly:
   * a record it could send on its own is one whose data and UTF-8 partition key fit the record size).
   */
  private void checkRecord(String partitionKey, String explicitHashKey, int dataLength) {
    int length = partitionKey.length();
    if (length == 0 || length > 256) {
      throw new IllegalArgumentException("A partition key must have 1 to 256 characters; this one has " + length);
    }
    if (explicitHashKey != null) {
      WHOLE_RANGE.containsRecord(partitionKey, explicitHashKey); // throws if it is not a hash key
    }
    if ((long) dataLength + 3L * length > maxRecordSize) { // Perf: the exact UTF-8 length only near the limit
      long size = (long) dataLength + partitionKey.getBytes(StandardCharsets.UTF_8).length;
      if (size > maxRecordSize) {
        throw new RecordTooLargeException("A user record with " + dataLength + " bytes of data and a "
            + (size - dataLength) + "-byte partition key needs " + size + " bytes, over the maximum record size of "
            + maxRecordSize + " bytes", size, maxRecordSize);
      }
    }
  }

  private static CompletableFuture<PutResult> refused(KinesisProducerException.Reason reason, String message,
      Throwable cause) {
    return CompletableFuture.failedFuture(
        new KinesisProducerException(reason, message + "; nothing was buffered", cause, false, List.of()));
  }

  /**
   * Sends everything buffered now and waits until every user record added before this call has completed (put, or
   * failed after its timeout). If the waiting thread is interrupted, returns at once with its interrupt status set,
   * and the records go on without it.
   *
   * @throws IllegalStateException if called from a callback on the producer's thread
   */
  public void flush() {
    refuseOnProducerThread("flush()");
    flush(true);
  }

  /** Flushes and waits; through interrupts too unless {@code interruptible} (the interrupt status is kept). */
  private void flush(boolean interruptible) {
    List<CompletableFuture<PutResult>> waitFor = lock.call(() -> {
      for (StreamPipeline pipeline : streams.values()) {
        pipeline.aggregation().flushers(+1);
        pipeline.aggregation().flush();
      }
      return outcomes.outstandingFutures();
    });
    CompletableFuture<Void> all = CompletableFuture.allOf(waitFor.toArray(new CompletableFuture<?>[0]));
    boolean interrupted = false;
    try {
      while (true) {
        try {
          all.get();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
          if (interruptible) {
            break;
          }
        } catch (ExecutionException e) {
          break; // a failed record: its own future says why; flush only waits
        }
      }
    } finally {
      lock.run(() -> streams.values().forEach(pipeline -> pipeline.aggregation().flushers(-1)));
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Refuses further records (an {@code add} blocked on a full buffer throws {@link IllegalStateException}), flushes,
   * and stops the producer's thread. Every future is complete when this returns: it waits through interrupts (the
   * thread's interrupt status is kept), at most about the record timeout plus a request timeout, as every record
   * is put or fails by then. Does not close the client.
   *
   * @throws IllegalStateException if called from a callback on the producer's thread
   */
  @Override
  public void close() {
    refuseOnProducerThread("close()");
    admission.close();
    lock.run(() -> {
      closed = true;
      streams.values().forEach(pipeline -> pipeline.aggregation().stop());
    });
    flush(false);
    lock.shutdown();
    unregisterMBean();
  }

  private void unregisterMBean() {
    if (mbeanName != null) {
      try {
        ManagementFactory.getPlatformMBeanServer().unregisterMBean(mbeanName);
      } catch (JMException e) {
        // Unregistered already (closed twice, or by someone else): nothing left to do.
      }
    }
  }

  /**
   * Stops the producer at once, as the KPL's {@code destroy()}: refuses further records, fails every record not put
   * yet with {@link KinesisProducerException.Reason#ABORTED} (those in a call still in flight, or landed on a shard
   * not listed yet, say they may have been stored), sends nothing more and stops the producer's thread without
   * waiting for answers. For a task that failed and must not send what it still holds (it is replayed elsewhere):
   * {@link #close()} puts everything first. Every future is complete when this returns. Does not close the client.
   * Calling {@link #close()} or this again afterwards does nothing more.
   *
   * @throws IllegalStateException if called from a callback on the producer's thread
   */
  public void abort() {
    refuseOnProducerThread("abort()");
    admission.close();
    lock.run(() -> {
      closed = true;
      Set<PendingRecord> uncertain = Collections.newSetFromMap(new IdentityHashMap<>());
      for (StreamPipeline pipeline : streams.values()) {
        pipeline.aggregation().stop();
        pipeline.sender().collectInFlight(uncertain);
        pipeline.reshards().collectLanded(uncertain);
      }
      outcomes.abortAll(uncertain);
      lock.stopNow();
    });
    unregisterMBean();
  }

  private void refuseOnProducerThread(String method) {
    if (lock.onProducerThread()) {
      throw new IllegalStateException(method + " cannot run in a callback on the producer's thread: it would wait "
          + "for that same thread; call it from another thread");
    }
  }

  /**
   * User records added and not completed yet (waiting for an aggregate, a call, an answer or a retry), as the KPL's
   * {@code getOutstandingRecordsCount()}: a simple backpressure signal for callers that prefer their own to {@code
   * add}'s.
   *
   * @return the count now
   */
  public int outstandingRecords() {
    return lock.read(outcomes::outstandingCount);
  }

  /**
   * How long the oldest user record not completed yet has been waiting since its {@code add}, as the KPL's {@code
   * getOldestRecordTimeInMillis()}.
   *
   * @return its age, {@link Duration#ZERO} if every record added has completed
   */
  public Duration oldestRecordAge() {
    return lock.read(() -> {
      long now = clock.getAsLong();
      return Duration.ofNanos(now - outcomes.oldestAddedNanos(now));
    });
  }

  /**
   * What the producer did so far.
   *
   * @return the counters now, read together under the producer's lock
   */
  public ProducerCounters counters() {
    return lock.read(() -> {
      long[] sum = new long[10];
      for (StreamPipeline pipeline : streams.values()) {
        Sender sender = pipeline.sender();
        Reshards reshards = pipeline.reshards();
        long[] each = {sender.kinesisRecordsSent, sender.aggregatesSent, sender.putRecordsRequests,
            sender.failedRequests, sender.failedEntries, pipeline.retries().retriedEntries, reshards.misroutedRecords,
            reshards.userRecordsResent, reshards.userRecordsResentInRange, reshards.shardMapRefreshes};
        for (int i = 0; i < sum.length; i++) {
          sum[i] += each[i];
        }
      }
      return new ProducerCounters(outcomes.added, outcomes.put, outcomes.failed, outcomes.failedMayHaveBeenStored,
          sum[0], sum[1], sum[2], sum[3], sum[4], sum[5], sum[6], sum[7], sum[8], sum[9],
          Duration.ofNanos(admission.longestBlockNanos()), metricsFailures.sum());
    });
  }

  /** The streams written to, the builder's first. */
  List<String> streamNames() {
    return lock.read(() -> List.copyOf(streams.keySet()));
  }

  /**
   * The shard map the producer aggregates with now.
   *
   * @return the open shards of the last ListShards (at {@link Builder#build()}, then after each reshard it noticed);
   *     immutable
   */
  public ShardMap shardMap() {
    return shardMap(defaultStream);
  }

  /**
   * The shard map the producer aggregates with now for one of its streams.
   *
   * @param stream the stream's name, or its ARN
   * @return the open shards of its last ListShards; immutable
   * @throws IllegalArgumentException if no record was added to that stream yet (nor is it the builder's)
   */
  public ShardMap shardMap(String stream) {
    StreamPipeline pipeline = lock.read(() -> streams.get(stream));
    if (pipeline == null) {
      throw new IllegalArgumentException("No record was added to stream " + stream + " yet");
    }
    return lock.read(() -> pipeline.aggregation().shardMap());
  }

  /** Configures a {@link KinesisProducer}. Not thread-safe. */
  public static final class Builder {
    private final KinesisAsyncClient client;
    private final String streamName;
    private int maxRecordSize = 1_048_576;
    /** 0: unset, the smaller of 65,536 and the record size. */
    private int maxAggregateSize;
    private int maxUserRecordsPerAggregate = Integer.MAX_VALUE;
    private int rateLimit = 150;
    private boolean failIfThrottled;
    private ProducerMetrics metrics;
    private boolean jmx;
    private int maxEntriesPerRequest = 500;
    private long maxRequestSize = 5L * 1024 * 1024;
    private Duration maxBufferedTime = Duration.ofMillis(100);
    private long maxBufferedBytes = 64L * 1024 * 1024;
    private int maxInFlightRequests = 8;
    private Duration recordTimeout = Duration.ofSeconds(30);
    private Duration requestTimeout = Duration.ofSeconds(6);
    private Duration backoffBase = Duration.ofMillis(100);
    private Duration backoffMax = Duration.ofSeconds(2);
    private MisroutePolicy misroutePolicy = MisroutePolicy.RESEND_WHOLE_AGGREGATE;
    private Duration maxBlockTime = Duration.ofSeconds(60);
    private Duration maxQueueTime;
    private LongSupplier clock = System::nanoTime;

    private Builder(KinesisAsyncClient client, String streamName) {
      this.client = Objects.requireNonNull(client, "client");
      this.streamName = Objects.requireNonNull(streamName, "streamName");
    }

    /**
     * The settings, for logs and tests.
     *
     * @return every setting's name and value
     */
    @Override
    public String toString() {
      return "KinesisProducer.Builder{stream=" + streamName + ", maxRecordSize=" + maxRecordSize
          + ", maxAggregateSize=" + (maxAggregateSize == 0 ? "default" : maxAggregateSize)
          + ", maxUserRecordsPerAggregate=" + maxUserRecordsPerAggregate + ", rateLimit=" + rateLimit
          + ", failIfThrottled=" + failIfThrottled + ", maxEntriesPerRequest=" + maxEntriesPerRequest
          + ", maxRequestSize=" + maxRequestSize + ", maxBufferedTime=" + maxBufferedTime + ", maxBufferedBytes="
          + maxBufferedBytes + ", maxInFlightRequests=" + maxInFlightRequests + ", recordTimeout=" + recordTimeout
          + ", requestTimeout=" + requestTimeout + ", retryBackoff=" + backoffBase + ".." + backoffMax
          + ", misroutePolicy=" + misroutePolicy + ", maxBlockTime=" + maxBlockTime + ", maxQueueTime="
          + (maxQueueTime == null ? "default" : maxQueueTime) + ", metrics=" + (metrics == null ? "none" : metrics)
          + ", jmx=" + jmx + "}";
    }

    /** A builder with the same settings, to try changes on ({@link KplProperties}). */
    Builder copy() {
      Builder copy = new Builder(client, streamName);
      copy.maxRecordSize = maxRecordSize;
      copy.maxAggregateSize = maxAggregateSize;
      copy.maxUserRecordsPerAggregate = maxUserRecordsPerAggregate;
      copy.rateLimit = rateLimit;
      copy.failIfThrottled = failIfThrottled;
      copy.metrics = metrics;
      copy.jmx = jmx;
      copy.maxEntriesPerRequest = maxEntriesPerRequest;
      copy.maxRequestSize = maxRequestSize;
      copy.maxBufferedTime = maxBufferedTime;
      copy.maxBufferedBytes = maxBufferedBytes;
      copy.maxInFlightRequests = maxInFlightRequests;
      copy.recordTimeout = recordTimeout;
      copy.requestTimeout = requestTimeout;
      copy.backoffBase = backoffBase;
      copy.backoffMax = backoffMax;
      copy.misroutePolicy = misroutePolicy;
      copy.maxBlockTime = maxBlockTime;
      copy.maxQueueTime = maxQueueTime;
      copy.clock = clock;
      return copy;
    }

    /**
     * The stream's maximum record size, data plus partition key (1,048,576 by default, up to 10,485,760): the largest
     * user record accepted. Aggregates are filled to {@link #maxAggregateSize}.
     *
     * @param bytes 1 to 10,485,760; above the default request size of 5 MiB, raise {@link #maxRequestSize} too
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is out of range
     */
    public Builder maxRecordSize(int bytes) {
      this.maxRecordSize = checkRange("maxRecordSize", bytes, 1, 10_485_760);
      return this;
    }

    /**
     * The size aggregates are filled to, data plus partition key, as the KPL's {@code AggregationMaxSize} (default
     * 65,536, or the record size if that is smaller). A user record larger than this on its own goes out alone.
     *
     * <p>Why not the KPL's 51,200: Kinesis bills both as three 25 KB PUT payload units, so 65,536 carries 28% more
     * user records in each Kinesis record for the same units, and a shard's 1,000 Kinesis records a second carry more;
     * and the aggregator encodes into pooled buffers of power-of-two sizes, which 65,536 fills. Larger aggregates (up
     * to the record size) mean fewer Kinesis records but more to send again when a call fails or an aggregate lands on
     * the wrong shard after a reshard, and one more open aggregate's worth of memory per shard.
     *
     * @param bytes 1 to 10,485,760, and at most {@link #maxRecordSize} (checked by {@link #build()})
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is out of range
     */
    public Builder maxAggregateSize(int bytes) {
      this.maxAggregateSize = checkRange("maxAggregateSize", bytes, 1, 10_485_760);
      return this;
    }

    /**
     * At most this many user records per aggregate, as the KPL's {@code AggregationMaxCount} (default: no limit but
     * the size).
     *
     * @param count at least 1
     * @return this builder
     * @throws IllegalArgumentException if {@code count} is below 1
     */
    public Builder maxUserRecordsPerAggregate(int count) {
      this.maxUserRecordsPerAggregate = checkRange("maxUserRecordsPerAggregate", count, 1, Integer.MAX_VALUE);
      return this;
    }

    /**
     * Holds each shard's PutRecords traffic to this percentage of the service's per-shard limits (1,000 records and
     * 1 MiB a second), as the KPL's {@code RateLimit}: records of a hot shard wait in the producer instead of being
     * throttled and sent again (default 150, the KPL's, which lets one producer use a shard fully and accepts some
     * throttling; lower it, e.g. to 90, to keep throttling near zero, or when several producers share a shard).
     *
     * @param percent 1 to 1,000,000
     * @return this builder
     * @throws IllegalArgumentException if {@code percent} is out of range
     */
    public Builder rateLimit(int percent) {
      this.rateLimit = checkRange("rateLimit", percent, 1, 1_000_000);
      return this;
    }

    /**
     * Whether a record the service throttles fails at once with {@link KinesisProducerException.Reason#THROTTLED}
     * instead of being sent again after a backoff (default false), as the KPL's {@code FailIfThrottled}: for callers
     * that want to react to throttling themselves. A throttled record was not stored.
     *
     * @param fail true to fail throttled records instead of retrying them
     * @return this builder
     */
    public Builder failIfThrottled(boolean fail) {
      this.failIfThrottled = fail;
      return this;
    }

    /**
     * Where the producer reports what it does, event by event, for metrics (default: nowhere); see {@link
     * ProducerMetrics}.
     *
     * @param listener the listener, thread-safe and fast
     * @return this builder
     * @throws NullPointerException if {@code listener} is null
     */
    public Builder metrics(ProducerMetrics listener) {
      this.metrics = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Whether the producer registers a {@link KinesisProducerMXBean} with the platform MBean server (default false).
     *
     * @param register true to register it at {@link #build()} and unregister it at {@link KinesisProducer#close()}
     * @return this builder
     */
    public Builder jmx(boolean register) {
      this.jmx = register;
      return this;
    }

    /**
     * Entries per PutRecords call, 1..500 (default 500).
     *
     * @param entries 1 to 500
     * @return this builder
     * @throws IllegalArgumentException if {@code entries} is out of range
     */
    public Builder maxEntriesPerRequest(int entries) {
      this.maxEntriesPerRequest = checkRange("maxEntriesPerRequest", entries, 1, 500);
      return this;
    }

    /**
     * Bytes per PutRecords call, data plus partition keys, up to 10 MiB (default 5 MiB, as the KPL).
     *
     * @param bytes 1 to 10,485,760, and at least {@link #maxRecordSize} (checked by {@link #build()})
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is out of range
     */
    public Builder maxRequestSize(int bytes) {
      this.maxRequestSize = checkRange("maxRequestSize", bytes, 1, 10_485_760);
      return this;
    }

    /**
     * The longest a user record waits for its aggregate to fill (default 100 ms).
     *
     * @param time positive
     * @return this builder
     * @throws IllegalArgumentException if {@code time} is null, zero or negative
     */
    public Builder maxBufferedTime(Duration time) {
      this.maxBufferedTime = positive("maxBufferedTime", time);
      return this;
    }

    /**
     * Bytes of user records not yet completed above which {@code add} blocks (64 MiB): their data and partition keys,
     * about 200 bytes of bookkeeping each, and the part of each completed aggregate they do not pay for (its framing).
     * One record is always accepted when none is outstanding, however large.
     *
     * @param bytes positive
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is below 1
     */
    public Builder maxBufferedBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxBufferedBytes must be positive: " + bytes);
      }
      this.maxBufferedBytes = bytes;
      return this;
    }

    /**
     * PutRecords calls in flight at once (default 8); one per shard at a time in any case.
     *
     * @param requests 1 to 1000
     * @return this builder
     * @throws IllegalArgumentException if {@code requests} is out of range
     */
    public Builder maxInFlightRequests(int requests) {
      this.maxInFlightRequests = checkRange("maxInFlightRequests", requests, 1, 1000);
      return this;
    }

    /**
     * How long after {@code add} a user record may still be retried before its future fails (default 30 s).
     *
     * @param timeout positive; not below {@link #maxQueueTime} if that is set (checked by {@link #build()})
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is null, zero or negative
     */
    public Builder recordTimeout(Duration timeout) {
      this.recordTimeout = positive("recordTimeout", timeout);
      return this;
    }

    /**
     * The SDK's API call timeout for each PutRecords call, its own retries included (default 6 s).
     *
     * @param timeout positive; it bounds one attempt, as the producer turns the SDK's retries off for PutRecords and
     *     retries itself
     * @return this builder
     * @throws IllegalArgumentException if {@code timeout} is null, zero or negative
     */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive("requestTimeout", timeout);
      return this;
    }

    /**
     * Backoff before a retry: {@code base * 2^(attempt-1)}, at most {@code max}, with jitter (100 ms, 2 s).
     *
     * @param base the backoff before the first retry, positive; each wait is drawn at random between half the
     *     backoff and the whole of it
     * @param max the longest backoff, positive (a {@code base} above it makes every backoff {@code max}); also the
     *     pause, after a reshard, before ListShards is asked again when it failed or did not list the new shard yet
     * @return this builder
     * @throws IllegalArgumentException if {@code base} or {@code max} is null, zero or negative
     */
    public Builder retryBackoff(Duration base, Duration max) {
      this.backoffBase = positive("base", base);
      this.backoffMax = positive("max", max);
      return this;
    }

    /**
     * The longest {@code add} blocks waiting for room before its future fails with {@link
     * KinesisProducerException.Reason#BUFFER_FULL} or {@link KinesisProducerException.Reason#QUEUE_TOO_LONG} (default
     * 60 s). {@code tryAdd} never blocks.
     *
     * @param time zero or more; zero fails the future at once when there is no room
     * @return this builder
     * @throws NullPointerException if {@code time} is null
     * @throws IllegalArgumentException if {@code time} is negative
     */
    public Builder maxBlockTime(Duration time) {
      this.maxBlockTime = Objects.requireNonNull(time, "time");
      if (time.isNegative()) {
        throw new IllegalArgumentException("maxBlockTime must not be negative: " + time);
      }
      return this;
    }

    /**
     * The longest the records accepted and not yet put may take to send at the rate records are being put now (over
     * the last 2 s); beyond it {@code add} blocks (default a tenth of the record timeout). It keeps the queue short
     * enough that an outage or throttling episode shorter than half the record timeout fails no record; at least
     * one request's worth ({@link #maxRequestSize}) is always allowed. Must not exceed the record timeout.
     *
     * @param time positive, and at most the {@link #recordTimeout} (checked by {@link #build()})
     * @return this builder
     * @throws IllegalArgumentException if {@code time} is null, zero or negative
     */
    public Builder maxQueueTime(Duration time) {
      this.maxQueueTime = positive("maxQueueTime", time);
      return this;
    }

    /** Tests: the clock for deadlines, queue waits and the drain rate (the scheduler's delays stay real). */
    Builder clock(LongSupplier nanos) {
      this.clock = Objects.requireNonNull(nanos, "nanos");
      return this;
    }

    /**
     * What to send again when an aggregate lands on a shard that does not own all its user records.
     *
     * @param policy the policy (default {@link MisroutePolicy#RESEND_WHOLE_AGGREGATE})
     * @return this builder
     * @throws NullPointerException if {@code policy} is null
     */
    public Builder misroutePolicy(MisroutePolicy policy) {
      this.misroutePolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Lists the stream's shards (blocking) and starts the producer.
     *
     * @return a new producer, to {@link KinesisProducer#close() close} when done
     * @throws KinesisProducerException if the shards cannot be listed (reason {@link
     *     KinesisProducerException.Reason#NOT_RETRYABLE}, the ListShards error as its cause)
     * @throws IllegalArgumentException if the request size is below the record size, if the aggregate size is above
     *     it, if the max queue time exceeds the record timeout, or if the stream's open shards do not cover the hash
     *     key space exactly once
     */
    public KinesisProducer build() {
      if (maxAggregateSize > maxRecordSize) {
        throw new IllegalArgumentException("maxAggregateSize (" + maxAggregateSize + ") must not exceed maxRecordSize ("
            + maxRecordSize + ")");
      }
      if (maxQueueTime != null && maxQueueTime.compareTo(recordTimeout) > 0) {
        throw new IllegalArgumentException("maxQueueTime (" + maxQueueTime + ") must not exceed recordTimeout ("
            + recordTimeout + ")");
      }
      if (maxRequestSize < maxRecordSize) {
        throw new IllegalArgumentException("maxRequestSize (" + maxRequestSize
            + ") must be at least maxRecordSize (" + maxRecordSize + ")");
      }
      return new KinesisProducer(this, listShardsOf(client, streamName));
    }

    /** Every shard of a stream (blocking). */
    static List<Shard> listShardsOf(KinesisAsyncClient client, String stream) {
      try {
        return Reshards.listShards(client, stream).join();
      } catch (CompletionException e) {
        throw new KinesisProducerException("Cannot list the shards of stream " + stream, e.getCause());
      }
    }

    private static int checkRange(String name, int value, int min, int max) {
      if (value < min || value > max) {
        throw new IllegalArgumentException(name + " must be in " + min + ".." + max + ": " + value);
      }
      return value;
    }

    private static Duration positive(String name, Duration value) {
      if (value == null || value.isNegative() || value.isZero()) {
        throw new IllegalArgumentException(name + " must be positive: " + value);
      }
      return value;
    }
  }

  @Override
  public String toString() {
    return "KinesisProducer{streams=" + streamNames() + ", " + counters() + "}";
  }
}
