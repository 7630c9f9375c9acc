package io.kplcodec.aws;

import io.kplcodec.Aggregator;
import io.kplcodec.BufferPool;
import io.kplcodec.Deaggregator;
import io.kplcodec.HashKeyRange;
import io.kplcodec.KinesisRecord;
import io.kplcodec.ShardMap;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.SdkPlugin;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;
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
 *       fill.
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
 * <p>Its parts (package-private, each tested alone with a fake clock and a mock client): {@link Admission}, where a
 * record waits before it is accepted; {@link SendQueue}, where a completed Kinesis record waits for its PutRecords
 * call; {@link RetryPolicy}, what is retried and what may have been stored; {@link PendingRecord}, where a user
 * record's future completes. This class aggregates per shard, handles responses and refreshes the shard map.
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

  /** Re-reads aggregates this producer made, to send some of their user records again: no need to check MD5s. */
  private static final Deaggregator DISASSEMBLER = Deaggregator.builder().verifyMd5(false).build();

  /**
   * The producer retries PutRecords itself: the SDK's own retries would store records again unseen (a 500 after
   * storing, then a success), so a future would say one attempt for a record the stream holds twice, and an attempt
   * whose outcome is unknown could hide behind a later clear refusal. One SDK attempt per producer attempt.
   */
  private static final SdkPlugin NO_SDK_RETRIES =
      config -> config.overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));

  private final KinesisAsyncClient client;
  private final String streamName;
  private final int maxEntriesPerRequest;
  private final long maxRequestSize;
  private final long maxBufferedTimeNanos;
  private final long maxBufferedBytes;
  private final int maxInFlightRequests;
  private final long recordTimeoutNanos;
  private final Duration recordTimeout;
  private final Duration requestTimeout;
  private final RetryPolicy retryPolicy;
  private final Admission admission;
  private final long maxBlockNanos;
  private final long maxInFlightBytes;
  private final LongSupplier clock;
  private final MisroutePolicy misroutePolicy;
  private final ScheduledExecutorService scheduler;
  /** The scheduler's thread: it answers responses, so it must never wait for them. */
  private volatile Thread producerThread;

  private final ReentrantLock lock = new ReentrantLock();

  // Everything below is guarded by lock.
  private final Aggregator aggregator;
  private ShardMap shardMap;
  /** Every shard seen in ListShards, closed ones included: where a misrouted record landed may be closed already. */
  private final Map<String, HashKeyRange> knownRanges = new HashMap<>();
  /** User records in the aggregator's open aggregates, per predicted shard, in the order added to it. */
  private Map<String, ArrayDeque<PendingRecord>> pendingByShard = new HashMap<>();
  /** Completed records waiting for a PutRecords call, and the shards they wait on. */
  private final SendQueue sendQueue = new SendQueue();
  /** Misrouted entries that landed on a shard not yet known: resolved after the next ListShards. */
  private final List<Misrouted> awaitingShardMap = new ArrayList<>();
  /** User records added and not completed, for flush (identity-keyed). */
  private final Set<PendingRecord> outstanding = new LinkedHashSet<>();
  /**
   * Futures to complete and PutRecords calls to make once the lock is released, in order (user callbacks and the
   * SDK never run under it).
   */
  private final List<Runnable> completions = new ArrayList<>();
  private int inFlight;
  private long inFlightBytes;
  private int flushers;
  private ScheduledFuture<?> flushTimer;
  private boolean refreshing;
  private boolean refreshAgain;
  private boolean closed;

  private long userRecordsAdded;
  private long userRecordsPut;
  private long userRecordsFailed;
  private long userRecordsFailedMayHaveBeenStored;
  private long kinesisRecordsSent;
  private long aggregatesSent;
  private long putRecordsRequests;
  private long failedRequests;
  private long failedEntries;
  private long retriedEntries;
  private long misroutedRecords;
  private long userRecordsResent;
  private long userRecordsResentInRange;
  private long shardMapRefreshes;

  private KinesisProducer(Builder builder, List<Shard> shards) {
    this.client = builder.client;
    this.streamName = builder.streamName;
    this.maxEntriesPerRequest = builder.maxEntriesPerRequest;
    this.maxRequestSize = builder.maxRequestSize;
    this.maxBufferedTimeNanos = builder.maxBufferedTime.toNanos();
    this.maxBufferedBytes = builder.maxBufferedBytes;
    this.maxInFlightRequests = builder.maxInFlightRequests;
    this.recordTimeout = builder.recordTimeout;
    this.recordTimeoutNanos = builder.recordTimeout.toNanos();
    this.requestTimeout = builder.requestTimeout;
    this.retryPolicy = new RetryPolicy(builder.backoffBase.toNanos(), builder.backoffMax.toNanos());
    this.clock = builder.clock;
    this.maxBlockNanos = builder.maxBlockTime.toNanos();
    Duration maxQueueTime = builder.maxQueueTime != null ? builder.maxQueueTime : builder.recordTimeout.dividedBy(10);
    this.admission = new Admission(builder.maxBufferedBytes, maxQueueTime.toNanos(),
        Math.min(builder.maxBufferedBytes, builder.maxRequestSize), clock);
    // Requests in flight cost about 3.4 times their entries (the entries, the SDK's copy, its base64 JSON body):
    // a quarter of the buffer keeps everything the producer holds within about twice the buffer.
    this.maxInFlightBytes = Math.max(builder.maxRequestSize, builder.maxBufferedBytes / 4);
    this.misroutePolicy = builder.misroutePolicy;
    this.shardMap = openShardMap(shards);
    shards.forEach(this::learn);
    this.aggregator = Aggregator.builder()
        .maxRecordSize(builder.maxRecordSize)
        .shardMap(shardMap)
        // A small pool: what it retains is live heap outside the buffer limit.
        .bufferPool(BufferPool.heap(Math.min(builder.maxBufferedBytes / 16, 4L * builder.maxRecordSize)))
        .build();
    this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "kpl-codec-producer-" + streamName);
      thread.setDaemon(true);
      producerThread = thread;
      return thread;
    });
  }

  /** A builder for a producer putting into {@code streamName} with {@code client} (which stays the caller's). */
  public static Builder builder(KinesisAsyncClient client, String streamName) {
    return new Builder(client, streamName);
  }

  /** Adds a user record without an explicit hash key; see {@link #add(String, String, ByteBuffer)}. */
  public CompletableFuture<PutResult> add(String partitionKey, byte[] data) {
    return add(partitionKey, null, ByteBuffer.wrap(data));
  }

  /** Adds a user record; see {@link #add(String, String, ByteBuffer)}. */
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
   * @return completes with where the record landed, or fails with a {@link KinesisProducerException}
   * @throws IllegalArgumentException if a key is invalid (an explicit hash key not a decimal integer, negative or above
   *     2^128-1), before anything is buffered
   * @throws io.kplcodec.RecordTooLargeException if data plus partition key can never fit a record
   * @throws IllegalStateException if the producer is closed (also while blocked)
   */
  public CompletableFuture<PutResult> add(String partitionKey, String explicitHashKey, ByteBuffer data) {
    return add(partitionKey, explicitHashKey, data, true);
  }

  /** Adds a user record if there is room now, never blocking; see {@link #tryAdd(String, String, ByteBuffer)}. */
  public CompletableFuture<PutResult> tryAdd(String partitionKey, byte[] data) {
    return add(partitionKey, null, ByteBuffer.wrap(data), false);
  }

  /**
   * As {@link #add(String, String, ByteBuffer)}, but never blocks: when there is no room now, the returned future has
   * already failed with a {@link KinesisProducerException} whose {@link KinesisProducerException#reason()} says why
   * ({@link KinesisProducerException.Reason#BUFFER_FULL} or {@link KinesisProducerException.Reason#QUEUE_TOO_LONG}),
   * and nothing was buffered.
   */
  public CompletableFuture<PutResult> tryAdd(String partitionKey, String explicitHashKey, ByteBuffer data) {
    return add(partitionKey, explicitHashKey, data, false);
  }

  private CompletableFuture<PutResult> add(String partitionKey, String explicitHashKey, ByteBuffer data,
      boolean mayBlock) {
    Objects.requireNonNull(partitionKey, "partitionKey");
    Objects.requireNonNull(data, "data");
    long bytes = (long) data.remaining() + partitionKey.length();
    long cost = bytes + Admission.PER_RECORD_OVERHEAD;
    KinesisProducerException.Reason refusal;
    if (Thread.currentThread() == producerThread) {
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
    lock.lock();
    try {
      if (closed) {
        admission.release(cost, bytes, false);
        throw new IllegalStateException("The producer is closed");
      }
      PendingRecord pending =
          new PendingRecord(partitionKey, explicitHashKey, bytes, cost, clock.getAsLong(), recordTimeoutNanos);
      try {
        addToAggregator(pending, data); // throws before anything changes if the record is invalid
      } catch (RuntimeException e) {
        admission.release(cost, bytes, false);
        throw e;
      }
      outstanding.add(pending);
      userRecordsAdded++;
      armFlushTimer();
      trySend();
      return pending.future;
    } finally {
      unlockAndComplete();
    }
  }

  private static CompletableFuture<PutResult> refused(KinesisProducerException.Reason reason, String message,
      Throwable cause) {
    return CompletableFuture.failedFuture(
        new KinesisProducerException(reason, message + "; nothing was buffered", cause, false, List.of()));
  }

  /**
   * Sends everything buffered now and waits until every user record added before this call has completed (put, or
   * failed after its timeout).
   *
   * @throws IllegalStateException if called from a callback on the producer's thread
   */
  public void flush() {
    refuseOnProducerThread("flush()");
    List<CompletableFuture<PutResult>> waitFor = new ArrayList<>();
    lock.lock();
    try {
      flushers++;
      flushAggregator();
      trySend();
      for (PendingRecord pending : outstanding) {
        waitFor.add(pending.future);
      }
    } finally {
      unlockAndComplete();
    }
    try {
      CompletableFuture.allOf(waitFor.toArray(new CompletableFuture<?>[0])).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      // A failed record: its own future says why; flush only waits.
    } finally {
      lock.lock();
      try {
        flushers--;
      } finally {
        unlockAndComplete();
      }
    }
  }

  /**
   * Refuses further records (an {@code add} blocked on a full buffer throws {@link IllegalStateException}), flushes,
   * and stops the producer's thread. Every future is complete when this returns. Does not close the client.
   *
   * @throws IllegalStateException if called from a callback on the producer's thread
   */
  @Override
  public void close() {
    refuseOnProducerThread("close()");
    admission.close();
    lock.lock();
    try {
      closed = true;
    } finally {
      unlockAndComplete();
    }
    flush();
    scheduler.shutdown();
  }

  private void refuseOnProducerThread(String method) {
    if (Thread.currentThread() == producerThread) {
      throw new IllegalStateException(method + " cannot run in a callback on the producer's thread: it would wait "
          + "for that same thread; call it from another thread");
    }
  }

  /** What the producer did so far. */
  public ProducerCounters counters() {
    lock.lock();
    try {
      return new ProducerCounters(userRecordsAdded, userRecordsPut, userRecordsFailed,
          userRecordsFailedMayHaveBeenStored, kinesisRecordsSent, aggregatesSent, putRecordsRequests, failedRequests,
          failedEntries, retriedEntries, misroutedRecords, userRecordsResent, userRecordsResentInRange,
          shardMapRefreshes, Duration.ofNanos(admission.longestBlockNanos()));
    } finally {
      lock.unlock();
    }
  }

  /** The shard map the producer aggregates with now. */
  public ShardMap shardMap() {
    lock.lock();
    try {
      return shardMap;
    } finally {
      lock.unlock();
    }
  }

  // ---- aggregation -------------------------------------------------------------------------------------------

  /** Hands a user record to the aggregator and tracks it under its predicted shard. */
  private void addToAggregator(PendingRecord pending, ByteBuffer data) {
    KinesisRecord completed = aggregator.add(pending.partitionKey, pending.explicitHashKey, data);
    // The aggregator never puts the record just added into the record it completes: that holds earlier ones.
    if (completed != null) {
      onCompleted(completed);
    }
    // The aggregator's own lookup: it has just hashed this partition key and still has it cached.
    String shardId = aggregator.shardIdFor(pending.partitionKey, pending.explicitHashKey);
    pendingByShard.computeIfAbsent(shardId, id -> new ArrayDeque<>()).add(pending);
  }

  /** A record the aggregator completed holds the first {@code userRecordCount} pending records of its shard. */
  private void onCompleted(KinesisRecord record) {
    ArrayDeque<PendingRecord> queue = pendingByShard.get(record.predictedShardId());
    PendingRecord[] users = new PendingRecord[record.userRecordCount()];
    for (int i = 0; i < users.length; i++) {
      users[i] = queue == null ? null : queue.poll();
      if (users[i] == null) {
        throw new IllegalStateException("Producer bookkeeping out of step with the aggregator for shard "
            + record.predictedShardId() + ": this is a bug");
      }
    }
    // The record's bytes sit in a pooled buffer of the next power of two (BufferPool's size classes): the part its
    // user records do not pay for is charged until it is released, so the buffer limit counts real memory.
    long userBytes = 0;
    for (PendingRecord user : users) {
      userBytes += user.bytes;
    }
    long slack = Math.max(0, bufferCapacity(record.dataLength()) - userBytes);
    admission.force(slack, 0);
    sendQueue.add(new Outgoing(record, users, slack));
  }

  /** The capacity of the pooled buffer holding {@code size} bytes: BufferPool's size class, at least 1 KiB. */
  static long bufferCapacity(int size) {
    int shift = size <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(size - 1);
    return 1L << Math.max(shift, 10);
  }

  private void flushAggregator() {
    for (KinesisRecord record : aggregator.flush()) {
      onCompleted(record);
    }
  }

  private void armFlushTimer() {
    if (aggregator.pendingUserRecordCount() == 0 || closed && flushers == 0) {
      return;
    }
    if (flushers > 0) {
      flushAggregator(); // someone waits: no reason to hold records back
      return;
    }
    if (flushTimer == null) {
      flushTimer = scheduler.schedule(this::timedFlush, maxBufferedTimeNanos, TimeUnit.NANOSECONDS);
    }
  }

  private void timedFlush() {
    lock.lock();
    try {
      flushTimer = null;
      flushAggregator();
      trySend();
    } finally {
      unlockAndComplete();
    }
  }

  /** Puts user records back into the aggregator, to be packed for the shard that owns them now. */
  private void reAggregate(Outgoing outgoing, boolean[] select, boolean countAsResend) {
    KinesisRecord record = outgoing.record;
    PendingRecord[] users = outgoing.users;
    if (!record.isAggregated()) {
      if (select[0]) {
        reAdd(users[0], record.data(), countAsResend);
      }
    } else {
      DISASSEMBLER.visit(record.data(), (partitionKey, explicitHashKey, source, offset, length, index) -> {
        if (select[(int) index]) {
          reAdd(users[(int) index], source.slice(offset, length), countAsResend);
        }
      });
    }
    release(outgoing);
    armFlushTimer();
  }

  private void reAdd(PendingRecord pending, ByteBuffer data, boolean countAsResend) {
    if (countAsResend) {
      pending.attempts++;
      userRecordsResent++;
    }
    addToAggregator(pending, data);
  }

  // ---- sending -----------------------------------------------------------------------------------------------

  private void trySend() {
    while (inFlight < maxInFlightRequests && !sendQueue.isEmpty()) {
      // Requests in flight cost memory beyond their records (see maxInFlightBytes); the first always goes.
      long room = inFlight == 0 ? Long.MAX_VALUE : maxInFlightBytes - inFlightBytes;
      SendQueue.Batch batch = sendQueue.next(maxEntriesPerRequest, maxRequestSize, room);
      if (batch == null) {
        return;
      }
      send(batch.entries(), batch.shards(), batch.size());
    }
  }

  private void send(List<Outgoing> batch, List<String> shards, long size) {
    List<PutRecordsRequestEntry> entries = new ArrayList<>(batch.size());
    long now = clock.getAsLong();
    for (Outgoing outgoing : batch) {
      KinesisRecord record = outgoing.record;
      for (PendingRecord pending : outgoing.users) {
        pending.sending(now);
      }
      // One copy: SDK 2.42 has no zero-copy SdkBytes for a (read-only) ByteBuffer. The record is kept until the
      // response anyway, to re-send its user records if need be.
      entries.add(PutRecordsRequestEntry.builder()
          .partitionKey(record.partitionKey())
          .explicitHashKey(record.explicitHashKey())
          .data(SdkBytes.fromByteBuffer(record.data()))
          .build());
      kinesisRecordsSent++;
      if (record.isAggregated()) {
        aggregatesSent++;
      }
    }
    PutRecordsRequest request = PutRecordsRequest.builder()
        .streamName(streamName)
        .records(entries)
        .overrideConfiguration(c -> c.apiCallTimeout(requestTimeout).addPlugin(NO_SDK_RETRIES))
        .build();
    inFlight++;
    inFlightBytes += size;
    putRecordsRequests++;
    // Perf: the SDK marshals (base64, up to megabytes) on the calling thread: call it once the lock is released.
    completions.add(() -> {
      CompletableFuture<PutRecordsResponse> response;
      try {
        response = client.putRecords(request);
      } catch (RuntimeException e) {
        response = CompletableFuture.failedFuture(e);
      }
      response.whenCompleteAsync((result, error) -> onResponse(batch, shards, size, result, error), scheduler);
    });
  }

  private void onResponse(List<Outgoing> batch, List<String> shards, long size, PutRecordsResponse response,
      Throwable error) {
    lock.lock();
    try {
      inFlight--;
      inFlightBytes -= size;
      sendQueue.release(shards);
      List<Outgoing> retry = new ArrayList<>();
      Throwable retryCause = null;
      if (error != null) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        failedRequests++;
        boolean unknown = RetryPolicy.outcomeUnknown(cause);
        for (Outgoing outgoing : batch) {
          for (PendingRecord pending : outgoing.users) {
            pending.attemptFailed(cause, unknown);
          }
        }
        if (RetryPolicy.isRetryable(cause)) {
          retry.addAll(batch);
          retryCause = cause;
        } else {
          for (Outgoing outgoing : batch) {
            fail(outgoing, "PutRecords failed and is not retryable: " + cause, cause);
          }
        }
      } else {
        List<PutRecordsResultEntry> results = response.records();
        for (int i = 0; i < batch.size(); i++) {
          Outgoing outgoing = batch.get(i);
          PutRecordsResultEntry entry = i < results.size() ? results.get(i) : null;
          if (entry == null) {
            retry.add(outgoing);
            retryCause = new KinesisProducerException("PutRecords returned no result for entry " + i);
            attemptFailed(outgoing, retryCause, true);
          } else if (entry.errorCode() != null) {
            failedEntries++;
            KinesisProducerException cause =
                new KinesisProducerException(entry.errorCode() + ": " + entry.errorMessage());
            attemptFailed(outgoing, cause, false); // an entry the service refused was not stored
            if (RetryPolicy.isRetryable(entry.errorCode())) {
              retry.add(outgoing);
              retryCause = cause;
            } else {
              fail(outgoing, "The service refused the record for good: " + cause, cause);
            }
          } else if (entry.shardId().equals(outgoing.record.predictedShardId())) {
            succeed(outgoing, entry.shardId(), entry.sequenceNumber(), null);
          } else {
            misrouted(outgoing, entry.shardId(), entry.sequenceNumber());
          }
        }
      }
      if (!retry.isEmpty()) {
        retryLater(retry, retryCause);
      }
      trySend();
    } finally {
      unlockAndComplete();
    }
  }

  /** Retries after a backoff, keeping their shards held so later records of those shards stay behind them. */
  private void retryLater(List<Outgoing> retry, Throwable cause) {
    long now = clock.getAsLong();
    retriedEntries += retry.size();
    RetryPolicy.Plan plan = retryPolicy.plan(retry, now);
    for (PendingRecord pending : plan.expired()) {
      userRecordsFailed++;
      done(pending, false);
      completions.add(pending.expire(now, recordTimeout));
    }
    for (int i = 0; i < plan.repack().size(); i++) {
      reAggregate(plan.repack().get(i), plan.live().get(i), false);
    }
    if (!plan.again().isEmpty()) {
      sendQueue.hold(plan.shards());
      scheduler.schedule(() -> requeue(plan.again(), plan.shards()), plan.delayNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private void requeue(List<Outgoing> requeue, List<String> shards) {
    lock.lock();
    try {
      sendQueue.release(shards);
      List<Outgoing> back = new ArrayList<>(requeue.size());
      for (Outgoing outgoing : requeue) {
        if (shardMap.range(outgoing.shardId()) == null) {
          // Packed for a shard that is gone: re-pack for the shards that own its records now.
          reAggregate(outgoing, all(outgoing), false);
        } else {
          back.add(outgoing);
        }
      }
      sendQueue.putBack(back);
      trySend();
    } finally {
      unlockAndComplete();
    }
  }

  // ---- reshards ----------------------------------------------------------------------------------------------

  private void misrouted(Outgoing outgoing, String actualShardId, String sequenceNumber) {
    misroutedRecords++;
    HashKeyRange range = knownRanges.get(actualShardId);
    if (range == null) {
      awaitingShardMap.add(new Misrouted(outgoing, actualShardId, sequenceNumber));
    } else {
      resolveMisrouted(outgoing, actualShardId, sequenceNumber, range);
    }
    refreshShardMap();
  }

  /** Completes the user records the landing shard owns and sends the others again (see {@link MisroutePolicy}). */
  private void resolveMisrouted(Outgoing outgoing, String shardId, String sequenceNumber, HashKeyRange range) {
    PendingRecord[] users = outgoing.users;
    boolean[] outside = new boolean[users.length];
    boolean anyOutside = false;
    for (int i = 0; i < users.length; i++) {
      outside[i] = !range.containsRecord(users[i].partitionKey, users[i].explicitHashKey);
      anyOutside |= outside[i];
    }
    if (!anyOutside) {
      succeed(outgoing, shardId, sequenceNumber, null);
      return;
    }
    KinesisProducerException landed = new KinesisProducerException("Landed on shard " + shardId + " (sequence "
        + "number " + sequenceNumber + "), which does not own all of its aggregate, not the predicted "
        + outgoing.record.predictedShardId() + ": sent again");
    boolean wholeAgain = misroutePolicy == MisroutePolicy.RESEND_WHOLE_AGGREGATE;
    for (int i = 0; i < users.length; i++) {
      if (wholeAgain || outside[i]) {
        users[i].attemptFailed(landed, true); // it is in the stream, though a consumer may drop it
      }
    }
    if (wholeAgain) {
      boolean[] every = all(outgoing);
      for (int i = 0; i < users.length; i++) {
        if (!outside[i]) {
          userRecordsResentInRange++;
        }
      }
      reAggregate(outgoing, every, true);
    } else {
      succeed(outgoing, shardId, sequenceNumber, outside);
      reAggregate(outgoing, outside, true);
    }
  }

  private void refreshShardMap() {
    if (refreshing) {
      refreshAgain = true;
      return;
    }
    refreshing = true;
    listShards().whenCompleteAsync(this::onShardList, scheduler);
  }

  private void onShardList(List<Shard> shards, Throwable error) {
    lock.lock();
    try {
      refreshing = false;
      if (error != null) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        retryRefreshLater(cause);
        return;
      }
      shardMapRefreshes++;
      shards.forEach(this::learn);
      ShardMap newMap = openShardMap(shards);
      if (!newMap.equals(shardMap)) {
        replaceShardMap(newMap);
      }
      List<Misrouted> waiting = new ArrayList<>(awaitingShardMap);
      awaitingShardMap.clear();
      for (Misrouted misrouted : waiting) {
        HashKeyRange range = knownRanges.get(misrouted.shardId);
        if (range == null) {
          awaitingShardMap.add(misrouted);
        } else {
          resolveMisrouted(misrouted.outgoing, misrouted.shardId, misrouted.sequenceNumber, range);
        }
      }
      if (!awaitingShardMap.isEmpty()) {
        // Not listed yet (the service lists a new shard a moment after writing to it): ask again after a pause.
        retryRefreshLater(new KinesisProducerException("ListShards does not list shard "
            + awaitingShardMap.get(0).shardId));
      } else if (refreshAgain) {
        refreshAgain = false;
        refreshShardMap();
      }
      armFlushTimer();
      trySend();
    } finally {
      unlockAndComplete();
    }
  }

  /** After a failed or unhelpful ListShards: fails the misrouted entries that timed out, and asks again later. */
  private void retryRefreshLater(Throwable cause) {
    refreshAgain = false;
    failExpiredMisrouted(cause);
    scheduler.schedule(this::retryRefresh, retryPolicy.maxBackoffNanos(), TimeUnit.NANOSECONDS);
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
      if (expired) {
        it.remove();
        KinesisProducerException landed = new KinesisProducerException("Landed on shard " + misrouted.shardId
            + " (sequence number " + misrouted.sequenceNumber + "), not the predicted "
            + misrouted.outgoing.record.predictedShardId() + ", and ListShards did not give that shard's hash key "
            + "range before the record timeout of " + recordTimeout
            + ", so it is unknown whether that shard owns every user record of it: " + cause, cause);
        attemptFailed(misrouted.outgoing, landed, true); // it is in the stream, maybe dropped by a consumer
        for (PendingRecord pending : misrouted.outgoing.users) {
          userRecordsFailed++;
          done(pending, false);
          completions.add(pending.expire(now, recordTimeout));
        }
        release(misrouted.outgoing);
      }
    }
  }

  private void retryRefresh() {
    lock.lock();
    try {
      refreshShardMap();
    } finally {
      unlockAndComplete();
    }
  }

  private void replaceShardMap(ShardMap newMap) {
    ShardMap oldMap = shardMap;
    // Complete the open aggregates first, under the old map: they hold the newest records, and re-packing below goes
    // oldest first, so each partition key's records stay in the order they were added.
    flushAggregator();
    List<KinesisRecord> completed = aggregator.replaceShardMap(newMap);
    if (!completed.isEmpty()) {
      throw new IllegalStateException("The aggregator had pending user records after a flush: this is a bug");
    }
    shardMap = newMap;
    // Records packed for a shard that closed have not left yet: re-pack them, in order, rather than send an
    // aggregate that mixes the new shards.
    List<Outgoing> stale = sendQueue.replaceShardMap(oldMap, newMap);
    for (Outgoing outgoing : stale) {
      reAggregate(outgoing, all(outgoing), false);
    }
  }

  private CompletableFuture<List<Shard>> listShards() {
    return listShards(client, streamName);
  }

  /** Every shard of the stream, closed ones included, over as many ListShards pages as it takes. */
  static CompletableFuture<List<Shard>> listShards(KinesisAsyncClient client, String streamName) {
    return listShards(client, ListShardsRequest.builder().streamName(streamName).build(), new ArrayList<>());
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

  private void learn(Shard shard) {
    knownRanges.put(shard.shardId(),
        HashKeyRange.of(shard.hashKeyRange().startingHashKey(), shard.hashKeyRange().endingHashKey()));
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

  // ---- completion --------------------------------------------------------------------------------------------

  /** Completes the user records of an entry that landed, all of them or those {@code skip} does not mark. */
  private void succeed(Outgoing outgoing, String shardId, String sequenceNumber, boolean[] skip) {
    boolean aggregated = outgoing.record.isAggregated();
    for (int i = 0; i < outgoing.users.length; i++) {
      if (skip != null && skip[i]) {
        continue;
      }
      PendingRecord pending = outgoing.users[i];
      PutResult result = new PutResult(shardId, sequenceNumber, aggregated ? i : 0, aggregated, pending.attempts);
      userRecordsPut++;
      done(pending, true);
      completions.add(pending.succeed(result));
    }
    if (skip == null) {
      release(outgoing);
    }
  }

  /** Fails every user record of an entry for good (not retryable), with every attempt's error. */
  private void fail(Outgoing outgoing, String message, Throwable cause) {
    for (PendingRecord pending : outgoing.users) {
      userRecordsFailed++;
      done(pending, false);
      completions.add(pending.fail(KinesisProducerException.Reason.NOT_RETRYABLE, message, cause));
    }
    release(outgoing);
  }

  /** Gives the record's memory back, and the slack of its buffer to the admission. */
  private void release(Outgoing outgoing) {
    outgoing.record.release();
    admission.release(outgoing.slack, 0, false);
  }

  private static void attemptFailed(Outgoing outgoing, Throwable error, boolean outcomeUnknown) {
    for (PendingRecord pending : outgoing.users) {
      pending.attemptFailed(error, outcomeUnknown);
    }
  }

  private void done(PendingRecord pending, boolean put) {
    if (!put && pending.mayHaveBeenStored()) {
      userRecordsFailedMayHaveBeenStored++;
    }
    outstanding.remove(pending);
    admission.release(pending.cost, pending.bytes, put);
  }

  private void unlockAndComplete() {
    List<Runnable> toRun = null;
    if (!completions.isEmpty() && lock.getHoldCount() == 1) {
      toRun = new ArrayList<>(completions);
      completions.clear();
    }
    lock.unlock();
    if (toRun != null) {
      for (Runnable completion : toRun) {
        completion.run();
      }
    }
  }

  private static boolean[] all(Outgoing outgoing) {
    boolean[] every = new boolean[outgoing.users.length];
    java.util.Arrays.fill(every, true);
    return every;
  }

  private static final class Misrouted {
    final Outgoing outgoing;
    final String shardId;
    final String sequenceNumber;

    Misrouted(Outgoing outgoing, String shardId, String sequenceNumber) {
      this.outgoing = outgoing;
      this.shardId = shardId;
      this.sequenceNumber = sequenceNumber;
    }
  }

  /** Configures a {@link KinesisProducer}. Not thread-safe. */
  public static final class Builder {
    private final KinesisAsyncClient client;
    private final String streamName;
    private int maxRecordSize = 1_048_576;
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
     * The stream's maximum record size, data plus partition key (1,048,576 by default, up to 10,485,760): the size
     * aggregates are filled to, and the largest user record accepted.
     */
    public Builder maxRecordSize(int bytes) {
      this.maxRecordSize = checkRange("maxRecordSize", bytes, 1, 10_485_760);
      return this;
    }

    /** Entries per PutRecords call, 1..500 (default 500). */
    public Builder maxEntriesPerRequest(int entries) {
      this.maxEntriesPerRequest = checkRange("maxEntriesPerRequest", entries, 1, 500);
      return this;
    }

    /** Bytes per PutRecords call, data plus partition keys, up to 10 MiB (default 5 MiB, as the KPL). */
    public Builder maxRequestSize(int bytes) {
      this.maxRequestSize = checkRange("maxRequestSize", bytes, 1, 10_485_760);
      return this;
    }

    /** The longest a user record waits for its aggregate to fill (default 100 ms). */
    public Builder maxBufferedTime(Duration time) {
      this.maxBufferedTime = positive("maxBufferedTime", time);
      return this;
    }

    /** Bytes of user records (data plus partition key) not yet completed above which {@code add} blocks (64 MiB). */
    public Builder maxBufferedBytes(long bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxBufferedBytes must be positive: " + bytes);
      }
      this.maxBufferedBytes = bytes;
      return this;
    }

    /** PutRecords calls in flight at once (default 8); one per shard at a time in any case. */
    public Builder maxInFlightRequests(int requests) {
      this.maxInFlightRequests = checkRange("maxInFlightRequests", requests, 1, 1000);
      return this;
    }

    /** How long after {@code add} a user record may still be retried before its future fails (default 30 s). */
    public Builder recordTimeout(Duration timeout) {
      this.recordTimeout = positive("recordTimeout", timeout);
      return this;
    }

    /** The SDK's API call timeout for each PutRecords call, its own retries included (default 6 s). */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive("requestTimeout", timeout);
      return this;
    }

    /** Backoff before a retry: {@code base * 2^(attempt-1)}, at most {@code max}, with jitter (100 ms, 2 s). */
    public Builder retryBackoff(Duration base, Duration max) {
      this.backoffBase = positive("base", base);
      this.backoffMax = positive("max", max);
      return this;
    }

    /**
     * The longest {@code add} blocks waiting for room before its future fails with {@link
     * KinesisProducerException.Reason#BUFFER_FULL} or {@link KinesisProducerException.Reason#QUEUE_TOO_LONG} (default
     * 60 s). {@code tryAdd} never blocks.
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

    /** What to send again when an aggregate lands on a shard that does not own all its user records. */
    public Builder misroutePolicy(MisroutePolicy policy) {
      this.misroutePolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Lists the stream's shards (blocking) and starts the producer.
     *
     * @throws KinesisProducerException if the shards cannot be listed
     * @throws IllegalArgumentException if the request size is below the record size
     */
    public KinesisProducer build() {
      if (maxQueueTime != null && maxQueueTime.compareTo(recordTimeout) > 0) {
        throw new IllegalArgumentException("maxQueueTime (" + maxQueueTime + ") must not exceed recordTimeout ("
            + recordTimeout + ")");
      }
      if (maxRequestSize < maxRecordSize) {
        throw new IllegalArgumentException("maxRequestSize (" + maxRequestSize
            + ") must be at least maxRecordSize (" + maxRecordSize + ")");
      }
      List<Shard> shards;
      try {
        shards = listShards(client, streamName).join();
      } catch (CompletionException e) {
        throw new KinesisProducerException("Cannot list the shards of stream " + streamName, e.getCause());
      }
      return new KinesisProducer(this, shards);
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
    return "KinesisProducer{stream=" + streamName + ", " + counters() + "}";
  }
}
