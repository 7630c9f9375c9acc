package software.amazon.kinesis.producer;

import com.amazonaws.services.schemaregistry.common.Schema;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.SettableFuture;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import io.kplcodec.aws.KplMetric;
import io.kplcodec.aws.KplMetrics;
import io.kplcodec.aws.PutResult;
import io.kplcodec.cloudwatch.CloudWatchMetricsPublisher;

/**
 * The KPL's producer, in pure Java: user records added with {@code addUserRecord} are aggregated per shard, batched
 * into PutRecords calls, retried until their {@code RecordTtl}, and each future completes with a {@link
 * UserRecordResult} or fails with a {@link UserRecordFailedException} holding one. Underneath is kpl-codec's {@code
 * io.kplcodec.aws.KinesisProducer}; there is no native daemon.
 *
 * <p>Use it as the KPL: one producer for the whole application, any number of streams.
 *
 * <pre>{@code
 * KinesisProducer producer = new KinesisProducer(new KinesisProducerConfiguration().setRegion("us-east-1"));
 * ListenableFuture<UserRecordResult> f = producer.addUserRecord("orders", "customer-1", ByteBuffer.wrap(data));
 * Futures.addCallback(f, callback, executor);
 * ...
 * producer.flushSync(); // every record put or failed
 * producer.destroy();
 * }</pre>
 *
 * <p>Where it differs from the KPL:
 * <ul>
 *   <li>{@code addUserRecord} blocks while the records not yet completed hold 64 MiB (up to 60 s, after which the
 *       future fails), where the KPL buffers without limit: memory is bounded. Keep to the KPL's advice of holding
 *       {@link #getOutstandingRecordsCount()} down and it never blocks.
 *   <li>After a reshard, an aggregate never mixes user records of several shards (KCL would drop it whole), and
 *       records that landed on the wrong shard are sent again.
 *   <li>A failed record's {@link UserRecordFailedException} has as cause kpl-codec's {@code
 *       io.kplcodec.aws.KinesisProducerException}, whose {@code mayHaveBeenStored()} says whether the record may be
 *       in the stream anyway.
 *   <li>{@link Attempt}s carry every failed attempt's error code and message, but not per-attempt times (see there).
 *   <li>Metrics: uploaded to CloudWatch as by the KPL (kpl-codec-cloudwatch's {@code CloudWatchMetricsPublisher},
 *       on a daemon thread of its own), with a few differences listed in the module's README; {@link #destroy()}
 *       uploads what is left once, waiting at most {@code RequestTimeout}.
 *   <li>Records with a Glue Schema Registry schema are refused (see {@link #addUserRecord(String, String, String,
 *       ByteBuffer, Schema)}).
 * </ul>
 *
 * <p>Thread-safe: add from any number of threads. Futures complete, and their direct-executor callbacks run, on one
 * callback thread of this producer, in the order records complete; a callback may add records but must not call
 * {@link #flushSync()} (it would wait for itself: it throws {@link IllegalStateException}).
 */
public class KinesisProducer implements IKinesisProducer {
  private static final BigInteger MAX_HASH_KEY = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
  /** Numbers the producers of this JVM, for thread names. */
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /** One user record whose future has not completed. */
  private record Pending(SettableFuture<UserRecordResult> future, long addedNanos, UserRecord record, String stream) {}

  /** What this producer uses of its configuration, read once in the constructor (later changes have no effect). */
  private record Settings(int recordSize, int aggregateSize, int userRecordsPerAggregate, int entriesPerRequest,
      int requestSize, int callsInFlight, int rateLimit, boolean failIfThrottled, long recordTtlMillis,
      long requestTimeoutMillis, long bufferedTimeMillis, boolean returnUserRecordOnFailure,
      long futureTimeoutMillis) {
    static Settings of(KinesisProducerConfiguration config) {
      int recordSize = (int) config.getMaxUserRecordSize();
      return new Settings(recordSize,
          (int) Math.min(config.getAggregationMaxSize(), recordSize),
          config.isAggregationEnabled() ? (int) Math.min(config.getAggregationMaxCount(), Integer.MAX_VALUE) : 1,
          (int) config.getCollectionMaxCount(),
          // The service's limit; the KPL accepts any larger number and is then held to it by the service.
          (int) Math.max(recordSize, Math.min(config.getCollectionMaxSize(), 10L * 1024 * 1024)),
          (int) config.getMaxConnections(),
          (int) Math.min(config.getRateLimit(), Integer.MAX_VALUE),
          config.isFailIfThrottled(),
          config.getRecordTtl(),
          config.getRequestTimeout(),
          // kpl-codec flushes after a positive time; the KPL's 0 means "at once", which 1 ms is in effect.
          Math.max(1, config.getRecordMaxBufferedTime()),
          config.getReturnUserRecordOnFailure(),
          config.getUserRecordTimeoutInMillis());
    }
  }

  private final Settings settings;
  /** Kinesis, and CloudWatch with the metrics uploads unless MetricsLevel is none. */
  private final KplClients clients;
  private final KplMetrics metrics = new KplMetrics();
  /** Records whose futures have not completed, by a number of their own. Guarded by itself for waiting. */
  private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong();
  /** Of {@link #pending}, how many per stream: the KPL's {@code UserRecordsPending} is per stream. */
  private final Map<String, AtomicLong> pendingPerStream = new ConcurrentHashMap<>();
  /** Completes futures in the order records complete, so callbacks never run on kpl-codec's producer thread. */
  private final ExecutorService callbacks;
  /** Runs the flushes {@link #flush()} asks for, one at a time, without making the caller wait. */
  private final ExecutorService flusher;
  /** For {@code UserRecordTimeoutInMillis}; null if it is 0. */
  private final ScheduledExecutorService futureTimeouts;
  private final AtomicBoolean flushQueued = new AtomicBoolean();
  private final ThreadLocal<Boolean> onCallbackThread = ThreadLocal.withInitial(() -> false);
  private volatile boolean destroyed;
  /** Made on the first record, with its stream (kpl-codec's producer needs one stream to start). Guarded by this. */
  private volatile io.kplcodec.aws.KinesisProducer delegate;
  private final Map<String, String> streamIds = new ConcurrentHashMap<>();

  /**
   * A producer with the given settings. Builds its own Kinesis client from the region, endpoint, port, certificate
   * check, credentials provider, connection limits, timeouts and proxy of {@code config}; unless {@code MetricsLevel}
   * is {@code none}, a CloudWatch client too (CloudwatchEndpoint, CloudwatchPort, MetricsCredentialsProvider) and the
   * metrics uploads, on a daemon thread; starts no process.
   *
   * @param config the settings, read once
   * @throws software.amazon.awssdk.core.exception.SdkClientException if no region is set and the SDK finds none
   * @throws IllegalArgumentException if an additional metrics dimension is one CloudWatch would refuse (a key over
   *     255 characters, a value over 1024, more than 27 dimensions)
   */
  public KinesisProducer(KinesisProducerConfiguration config) {
    this.settings = Settings.of(config);
    this.clients = KplClients.open(config, metrics);
    int instance = INSTANCES.incrementAndGet();
    this.callbacks = Executors.newSingleThreadExecutor(daemonThreads("kpl-codec-callback-" + instance, true));
    this.flusher = Executors.newSingleThreadExecutor(daemonThreads("kpl-codec-flush-" + instance, false));
    if (settings.futureTimeoutMillis() > 0) {
      ScheduledThreadPoolExecutor timeouts =
          new ScheduledThreadPoolExecutor(1, daemonThreads("kpl-codec-timeout-future-" + instance, false));
      timeouts.setRemoveOnCancelPolicy(true); // a record completed in time leaves nothing behind
      this.futureTimeouts = timeouts;
    } else {
      this.futureTimeouts = null;
    }
  }

  /** A producer with the KPL's default settings (region and credentials from the SDK's default chains). */
  public KinesisProducer() {
    this(new KinesisProducerConfiguration());
  }

  private ThreadFactory daemonThreads(String name, boolean callbackThread) {
    return runnable -> {
      Thread thread = new Thread(() -> {
        onCallbackThread.set(callbackThread);
        runnable.run();
      }, name);
      thread.setDaemon(true);
      return thread;
    };
  }





  /** kpl-codec's producer, made with the first stream a record is added for. */
  private io.kplcodec.aws.KinesisProducer delegate(String stream) {
    io.kplcodec.aws.KinesisProducer current = delegate;
    if (current != null) {
      return current;
    }
    synchronized (this) {
      if (delegate == null) {
        delegate = configure(io.kplcodec.aws.KinesisProducer.builder(clients.kinesis(), stream)).build();
      }
      return delegate;
    }
  }

  private io.kplcodec.aws.KinesisProducer.Builder configure(io.kplcodec.aws.KinesisProducer.Builder builder) {
    return builder.maxRecordSize(settings.recordSize())
        .maxAggregateSize(settings.aggregateSize())
        .maxUserRecordsPerAggregate(settings.userRecordsPerAggregate())
        .maxEntriesPerRequest(settings.entriesPerRequest())
        .maxRequestSize(settings.requestSize())
        .maxInFlightRequests(settings.callsInFlight())
        .rateLimit(settings.rateLimit())
        .failIfThrottled(settings.failIfThrottled())
        .recordTimeout(Duration.ofMillis(settings.recordTtlMillis()))
        .requestTimeout(Duration.ofMillis(settings.requestTimeoutMillis()))
        .maxBufferedTime(Duration.ofMillis(settings.bufferedTimeMillis()))
        .metrics(metrics);
  }

  /**
   * Adds a user record to a stream; see {@link #addUserRecord(String, String, String, ByteBuffer)}.
   *
   * @param stream the stream's name
   * @param partitionKey 1 to 256 characters
   * @param data the data, from its position to its limit; copied
   * @return completes with the record's result when it is put; fails with {@link UserRecordFailedException}
   */
  @Override
  public ListenableFuture<UserRecordResult> addUserRecord(String stream, String partitionKey, ByteBuffer data) {
    return add(stream, partitionKey, null, data, null);
  }

  /**
   * Adds a user record; see {@link #addUserRecord(String, String, String, ByteBuffer)}.
   *
   * @param userRecord the record; its stream, partition key and data must be set
   * @return completes with the record's result when it is put; fails with {@link UserRecordFailedException}
   * @throws UnsupportedOperationException if the record has a Glue Schema Registry schema
   */
  @Override
  public ListenableFuture<UserRecordResult> addUserRecord(UserRecord userRecord) {
    if (userRecord.hasSchema()) {
      throw schemaUnsupported();
    }
    return add(userRecord.getStreamName(), userRecord.getPartitionKey(), userRecord.getExplicitHashKey(),
        userRecord.getData(), userRecord);
  }

  /**
   * Adds a user record with an explicit hash key. The record is checked here (the KPL's messages), then aggregated
   * with others for its shard, sent, and retried until it is put or its {@code RecordTtl} runs out.
   *
   * <p>Returns at once, unless the records not completed yet hold 64 MiB: then it waits for room (up to 60 s, after
   * which the future fails), so that memory stays bounded. The first record for a stream lists its shards first.
   *
   * @param stream the stream's name
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey a decimal integer from 0 to 2^128 - 1 that decides the shard instead of the partition
   *     key's MD5, or null
   * @param data the data, from its position to its limit; copied, and its position left as it was (the KPL's moves
   *     it to the limit); null is sent as empty data, as by the KPL. With the partition key, at most {@code
   *     MaxUserRecordSize} bytes (the KPL checks the data alone, and the service then refuses the record)
   * @return completes with the record's result when it is put; fails with {@link UserRecordFailedException} (whose
   *     result holds every attempt's error) if it cannot be
   * @throws IllegalArgumentException if the stream, key or hash key is invalid, or the data too big
   * @throws DaemonException after {@link #destroy()}
   */
  @Override
  public ListenableFuture<UserRecordResult> addUserRecord(String stream, String partitionKey, String explicitHashKey,
      ByteBuffer data) {
    return add(stream, partitionKey, explicitHashKey, data, null);
  }

  /**
   * Adds a user record with a Glue Schema Registry schema: not supported by kpl-codec, which does not encode data
   * with the schema registry. Encode the data yourself ({@code GlueSchemaRegistrySerializer.encode}) and add it
   * without a schema. A null schema adds the record as {@link #addUserRecord(String, String, String, ByteBuffer)}.
   *
   * <p>{@code Schema} comes from the optional dependency {@code software.amazon.glue:schema-registry-common}: code
   * that calls this method needs it on its class path.
   *
   * @param stream the stream's name
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey a decimal integer from 0 to 2^128 - 1, or null
   * @param data the data
   * @param schema must be null
   * @return as {@link #addUserRecord(String, String, String, ByteBuffer)}
   * @throws UnsupportedOperationException if {@code schema} is not null
   */
  @Override
  public ListenableFuture<UserRecordResult> addUserRecord(String stream, String partitionKey, String explicitHashKey,
      ByteBuffer data, Schema schema) {
    if (schema != null) {
      throw schemaUnsupported();
    }
    return add(stream, partitionKey, explicitHashKey, data, null);
  }

  private static UnsupportedOperationException schemaUnsupported() {
    return new UnsupportedOperationException("kpl-codec-kpl does not encode records with the Glue Schema Registry: "
        + "encode the data with GlueSchemaRegistrySerializer.encode and add it without a schema");
  }

  private ListenableFuture<UserRecordResult> add(String stream, String partitionKey, String explicitHashKey,
      ByteBuffer data, UserRecord record) {
    if (destroyed) {
      throw new DaemonException("The producer has been destroyed and can no longer accept records.");
    }
    check(stream, partitionKey, explicitHashKey, data);
    SettableFuture<UserRecordResult> future = SettableFuture.create();
    long id = nextId.incrementAndGet();
    long added = System.nanoTime();
    ByteBuffer bytes = data == null ? ByteBuffer.allocate(0) : data; // the KPL sends null data as empty
    // As the KPL: a failure returns a copy of the record, its data a read-only copy of the bytes added.
    UserRecord kept = settings.returnUserRecordOnFailure()
        ? new UserRecord(stream, partitionKey, explicitHashKey, copyOf(bytes)) : null;
    track(id, new Pending(future, added, kept, stream));
    CompletableFuture<PutResult> put;
    try {
      put = delegate(stream).add(stream, partitionKey, explicitHashKey, bytes);
    } catch (io.kplcodec.aws.KinesisProducerException e) {
      // The stream's shards could not be listed (the first record for it): the record fails, as it would in the KPL.
      put = CompletableFuture.failedFuture(e);
    } catch (RuntimeException e) {
      untrack(id);
      throw e;
    }
    put.whenComplete((result, error) -> callbacks.execute(() -> complete(id, result, error)));
    if (futureTimeouts != null) {
      ScheduledFuture<?> timeout = futureTimeouts.schedule(() -> future.setException(new FutureTimedOutException(
          "Future for message id " + id + " timed out after " + settings.futureTimeoutMillis() + " ms; the record "
              + "may still be put", kept)), settings.futureTimeoutMillis(), TimeUnit.MILLISECONDS);
      future.addListener(() -> timeout.cancel(false), Runnable::run);
    }
    return future;
  }

  private static ByteBuffer copyOf(ByteBuffer data) {
    ByteBuffer copy = ByteBuffer.allocate(data.remaining());
    copy.put(data.duplicate()).flip();
    return copy.asReadOnlyBuffer();
  }

  /** The KPL's checks, with its messages, before anything is buffered. */
  private void check(String stream, String partitionKey, String explicitHashKey, ByteBuffer data) {
    if (stream == null) {
      throw new IllegalArgumentException("Stream name cannot be null");
    }
    if (stream.trim().isEmpty()) {
      throw new IllegalArgumentException("Stream name cannot be empty");
    }
    if (partitionKey == null) {
      throw new IllegalArgumentException("partitionKey cannot be null");
    }
    if (partitionKey.length() < 1 || partitionKey.length() > 256) {
      throw new IllegalArgumentException(
          "Invalid partition key. Length must be at least 1 and at most 256, got " + partitionKey.length());
    }
    try {
      StandardCharsets.UTF_8.newEncoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).encode(java.nio.CharBuffer.wrap(partitionKey));
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("Partition key must be valid UTF-8");
    }
    if (explicitHashKey != null) {
      BigInteger hashKey;
      try {
        hashKey = new BigInteger(explicitHashKey.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("Invalid explicitHashKey, must be an integer, got " + explicitHashKey);
      }
      if (hashKey.signum() < 0 || hashKey.compareTo(MAX_HASH_KEY) > 0) {
        throw new IllegalArgumentException("Invalid explicitHashKey, must be greater or equal to zero and less than or "
            + "equal to (2^128 - 1), got " + explicitHashKey);
      }
    }
    if (data != null && data.remaining() > settings.recordSize()) {
      throw new IllegalArgumentException("Data must be less than or equal to " + settings.recordSize()
          + " bytes in size, got " + data.remaining() + " bytes");
    }
    // Beyond the KPL, which checks the data alone: the service counts the partition key too, and would refuse it.
    long withKey = (data == null ? 0 : data.remaining()) + partitionKey.getBytes(StandardCharsets.UTF_8).length;
    if (withKey > settings.recordSize()) {
      throw new IllegalArgumentException("Data and partition key together must be less than or equal to "
          + settings.recordSize() + " bytes in size (the service counts both), got " + withKey + " bytes");
    }
  }

  /** Counts a record as outstanding, and samples its stream's count ({@code UserRecordsPending}, as the KPL does). */
  private void track(long id, Pending record) {
    pending.put(id, record);
    long ofStream = pendingPerStream.computeIfAbsent(record.stream(), s -> new AtomicLong()).incrementAndGet();
    metrics.userRecordsPending(record.stream(), ofStream);
  }

  /** Stops counting a record as outstanding; null if it was not (completed or failed before). */
  private Pending untrack(long id) {
    Pending record = pending.remove(id);
    if (record != null) {
      pendingPerStream.get(record.stream()).decrementAndGet();
    }
    return record;
  }

  /**
   * On the callback thread: the record's outcome reaches its future, whose direct-executor callbacks run now; only
   * then does the record stop counting as outstanding, so that {@link #flushSync()} returns after its callbacks.
   */
  private void complete(long id, PutResult result, Throwable error) {
    Pending record = pending.get(id);
    if (record == null) {
      return; // failed by destroy()
    }
    int sinceAdd = (int) Math.min(Integer.MAX_VALUE,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - record.addedNanos()));
    try {
      if (error == null) {
        List<Attempt> attempts = new ArrayList<>();
        for (int i = 1; i < result.attempts(); i++) {
          attempts.add(new Attempt(0, 0, "kpl-codec reports the errors of attempts only for records that fail",
              "Unknown", false));
        }
        attempts.add(new Attempt(0, sinceAdd, null, null, true));
        record.future().set(new UserRecordResult(attempts, result.sequenceNumber(), result.shardId(), true));
      } else {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        UserRecordResult failed = new UserRecordResult(Attempts.of(cause, sinceAdd), null, null, false);
        UserRecordFailedException exception = new UserRecordFailedException(failed, record.record());
        exception.initCause(cause);
        record.future().setException(exception);
      }
    } finally {
      untrack(id);
      synchronized (pending) {
        pending.notifyAll();
      }
    }
  }

  /**
   * User records added whose futures have not completed (buffered, in flight, being retried, or about to have their
   * callbacks run): the KPL's backpressure signal.
   *
   * @return the count now
   */
  @Override
  public int getOutstandingRecordsCount() {
    return pending.size();
  }

  /**
   * How long the oldest record not yet put or failed has been waiting since it was added.
   *
   * @return milliseconds, 0 if there is none
   */
  @Override
  public long getOldestRecordTimeInMillis() {
    io.kplcodec.aws.KinesisProducer current = delegate;
    return current == null ? 0 : current.oldestRecordAge().toMillis();
  }

  /**
   * In the KPL, tells the daemon a stream's id. Checked and kept, with no effect: kpl-codec needs no stream id.
   *
   * @param streamName the stream's name
   * @param streamId its id
   * @throws NullPointerException if either is null
   * @throws IllegalArgumentException if either is blank
   */
  @Override
  public void setStreamId(String streamName, String streamId) {
    notBlank(streamName, "Stream name should not be empty");
    notBlank(streamId, "Stream ID should not be empty");
    streamIds.put(streamName, streamId);
  }

  private static void notBlank(String value, String message) {
    if (value == null) {
      throw new NullPointerException(message);
    }
    if (value.isBlank()) {
      throw new IllegalArgumentException(message);
    }
  }

  /**
   * The KPL's metrics of one name (or all, if null) over the last {@code windowSeconds} seconds, at most 60: one
   * {@link Metric} per combination of dimensions seen (the whole producer, each stream, each shard, each error code).
   *
   * @param metricName e.g. {@code UserRecordsPut}, or null for every metric
   * @param windowSeconds 1 to 60 (larger values count as 60)
   * @return the metrics, possibly empty
   * @throws InterruptedException never here (declared by the KPL, whose metrics come from its daemon)
   * @throws ExecutionException never here (declared by the KPL)
   */
  @Override
  public List<Metric> getMetrics(String metricName, int windowSeconds) throws InterruptedException, ExecutionException {
    return toMetrics(metrics.lastSeconds(metricName, windowSeconds));
  }

  /**
   * The KPL's metrics of one name (or all, if null) since the producer started.
   *
   * @param metricName e.g. {@code UserRecordsPut}, or null for every metric
   * @return the metrics, possibly empty
   * @throws InterruptedException never here (declared by the KPL, whose metrics come from its daemon)
   * @throws ExecutionException never here (declared by the KPL)
   */
  @Override
  public List<Metric> getMetrics(String metricName) throws InterruptedException, ExecutionException {
    return toMetrics(metrics.sinceStart(metricName));
  }

  private static List<Metric> toMetrics(List<KplMetric> metrics) {
    List<Metric> out = new ArrayList<>(metrics.size());
    for (KplMetric metric : metrics) {
      out.add(Metric.of(metric));
    }
    return out;
  }

  /**
   * Every metric since the producer started.
   *
   * @return the metrics, possibly empty
   * @throws InterruptedException never here (declared by the KPL, whose metrics come from its daemon)
   * @throws ExecutionException never here (declared by the KPL)
   */
  @Override
  public List<Metric> getMetrics() throws InterruptedException, ExecutionException {
    return getMetrics(null);
  }

  /**
   * Every metric over the last {@code windowSeconds} seconds (at most 60).
   *
   * @param windowSeconds 1 to 60
   * @return the metrics, possibly empty
   * @throws InterruptedException never here (declared by the KPL, whose metrics come from its daemon)
   * @throws ExecutionException never here (declared by the KPL)
   */
  @Override
  public List<Metric> getMetrics(int windowSeconds) throws InterruptedException, ExecutionException {
    return getMetrics(null, windowSeconds);
  }

  /**
   * Stops the producer at once: later {@code addUserRecord} calls throw {@link DaemonException}, and every record
   * not yet completed fails now with a {@link DaemonException}; nothing more is sent (kpl-codec's {@code abort()}),
   * though a record in a PutRecords call already in flight may still reach the stream. For a graceful stop, call
   * {@link #flushSync()} first, as with the KPL.
   */
  @Override
  public void destroy() {
    destroyed = true;
    for (Long id : new ArrayList<>(pending.keySet())) {
      Pending record = untrack(id);
      if (record != null) {
        record.future().setException(new DaemonException("The producer was destroyed before this record completed; "
            + "it may or may not be in the stream"));
      }
    }
    synchronized (pending) {
      pending.notifyAll();
    }
    io.kplcodec.aws.KinesisProducer current;
    synchronized (this) {
      current = delegate;
    }
    try {
      if (current != null) {
        current.abort();
      }
    } finally {
      clients.close(); // the last metrics upload includes the records failed above
      callbacks.shutdown();
      flusher.shutdown();
      if (futureTimeouts != null) {
        futureTimeouts.shutdownNow();
      }
    }
  }

  /**
   * Starts sending what is buffered for the stream, without waiting. kpl-codec flushes every stream (a superset of
   * what the KPL does).
   *
   * @param stream the stream's name
   */
  @Override
  public void flush(String stream) {
    flush();
  }

  /**
   * Starts sending everything buffered, without waiting for the records' outcomes. Records are also sent on their
   * own after {@code RecordMaxBufferedTime}.
   */
  @Override
  public void flush() {
    io.kplcodec.aws.KinesisProducer current = delegate;
    if (current == null || destroyed || !flushQueued.compareAndSet(false, true)) {
      return;
    }
    flusher.execute(() -> {
      flushQueued.set(false);
      current.flush();
    });
  }

  /**
   * Sends everything buffered and waits until every record added so far, and any added while it waits, has
   * completed: put or failed, its future complete. Waits at most about {@code RecordTtl} plus a request timeout
   * after the last record added.
   *
   * @throws IllegalStateException if called from a callback of this producer (it would wait for itself)
   */
  @Override
  public void flushSync() {
    if (onCallbackThread.get()) {
      throw new IllegalStateException("flushSync() cannot run in a callback of this producer: it would wait for "
          + "its own thread; call it from another thread");
    }
    while (!pending.isEmpty()) {
      io.kplcodec.aws.KinesisProducer current = delegate;
      if (current != null && !destroyed) {
        current.flush();
      }
      synchronized (pending) {
        if (!pending.isEmpty()) {
          try {
            pending.wait(100);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }

  @Override
  public String toString() {
    return "KinesisProducer(kpl-codec, outstanding=" + pending.size() + ", destroyed=" + destroyed + ")";
  }
}
