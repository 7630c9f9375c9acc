package io.kplcodec.cloudwatch;

import io.kplcodec.aws.KinesisProducerException;
import io.kplcodec.aws.KplMetric;
import io.kplcodec.aws.KplMetrics;
import io.kplcodec.aws.ProducerMetrics;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;

/**
 * Publishes a producer's metrics to CloudWatch as the KPL does: the KPL's names, units and dimensions, filtered by
 * {@linkplain Builder#level level} and {@linkplain Builder#granularity granularity}, one PutMetricData datum with
 * {@code StatisticValues} (sample count, sum, minimum, maximum) per metric and set of dimensions every {@linkplain
 * Builder#uploadInterval upload interval}, in the KPL's namespace by default.
 *
 * <pre>{@code
 * CloudWatchAsyncClient cloudWatch = CloudWatchAsyncClient.builder().region(Region.US_EAST_1).build();
 * try (CloudWatchMetricsPublisher metrics = CloudWatchMetricsPublisher.builder(cloudWatch).build();
 *     KinesisProducer producer = KinesisProducer.builder(kinesis, "orders").metrics(metrics).build()) {
 *   ...
 * } // the producer first, then the publisher: its close() uploads what is left
 * cloudWatch.close(); // yours: the publisher never closes it
 * }</pre>
 *
 * <p>It is the producer's {@link ProducerMetrics} listener: events go to its {@link KplMetrics} (its own, or one
 * given to {@link Builder#metrics}, which it then drains each interval), which only counts, under a short lock; so
 * the producer is never blocked by an upload. Uploads run on one daemon thread of the publisher's
 * ({@code kpl-codec-cloudwatch-N}) and the SDK's threads: each interval the metrics since the previous one are turned
 * into datums (timestamped then), queued, and sent in requests of at most 1,000 datums and about 1 MB (CloudWatch's
 * limits; the size is estimated as the largest of CloudWatch's wire formats would make it).
 *
 * <p>A request that fails is logged (a {@link System.Logger} named after this class, at {@code WARNING}) and counted
 * ({@link #counters()}); its datums go back to the head of the queue for the next interval, unless CloudWatch
 * refused them as invalid (a 4xx other than throttling, 401, 403 or 408: counted as rejected, not sent again). While a
 * request of an interval is unanswered, the next interval's datums wait in the queue. The queue holds at most
 * {@linkplain Builder#maxBufferedDatums} datums (about half a kilobyte each): beyond that the oldest are dropped and
 * counted. Nothing is ever thrown to the producer.
 *
 * <p>The CloudWatch client is the caller's: the publisher never closes it; close it after the publisher. Thread-safe:
 * events may come from any thread; {@link #flush()}, {@link #counters()} and {@link #close()} from any thread.
 */
public final class CloudWatchMetricsPublisher implements ProducerMetrics, AutoCloseable {
  /** CloudWatch's limit of datums per PutMetricData request. */
  static final int MAX_DATUMS_PER_REQUEST = 1000;
  /** Under CloudWatch's 1 MB per request, with room for the HTTP framing: what the estimate must stay within. */
  static final int MAX_REQUEST_BYTES = 1_000_000;
  /** CloudWatch's limit of dimensions per datum. */
  static final int MAX_DIMENSIONS = 30;
  /** The most dimensions of the KPL's own per datum: {@code ErrorCode}, {@code StreamName}, {@code ShardId}. */
  static final int KPL_DIMENSIONS = 3;

  private static final System.Logger LOG = System.getLogger(CloudWatchMetricsPublisher.class.getName());
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /** A datum waiting to be sent, with its estimated size in a request. */
  private record Queued(MetricDatum datum, int bytes) {}

  /** An extra dimension (the KPL's {@code addAdditionalMetricsDimension}). */
  record Extra(Dimension dimension, KplMetric.Granularity granularity) {}

  /**
   * What the publisher did so far. Immutable and thread-safe.
   *
   * @param requests PutMetricData requests answered, successful or not
   * @param failedRequests of those, requests that failed (an error answer, a timeout, no connection)
   * @param datumsUploaded datums CloudWatch accepted
   * @param datumsRejected datums CloudWatch refused as invalid, not sent again
   * @param datumsDropped datums dropped unsent, the oldest first, as more than {@link Builder#maxBufferedDatums}
   *     waited
   * @param datumsQueued datums waiting for the next upload now (those of failed requests included)
   */
  public record Counters(long requests, long failedRequests, long datumsUploaded, long datumsRejected,
      long datumsDropped, int datumsQueued) {}

  private final CloudWatchAsyncClient client;
  private final KplMetrics metrics;
  private final String namespace;
  private final KplMetric.Level level;
  private final KplMetric.Granularity granularity;
  private final Duration uploadInterval;
  private final MetricDatums datums;
  private final int maxBufferedDatums;
  private final Duration closeTimeout;
  private final ScheduledExecutorService scheduler;
  private final int namespaceBytes;

  /** Guards the queue, the counters and {@code closed}. */
  private final Object lock = new Object();
  private final ArrayDeque<Queued> queue = new ArrayDeque<>();
  private long requests;
  private long failedRequests;
  private long datumsUploaded;
  private long datumsRejected;
  private long datumsDropped;
  private boolean closed;
  /** The requests of the last upload, answered when done (never exceptionally). Read and set by uploads only. */
  private volatile CompletableFuture<Void> lastUpload = CompletableFuture.completedFuture(null);

  private CloudWatchMetricsPublisher(Builder b) {
    this.client = b.client;
    this.metrics = b.metrics != null ? b.metrics : new KplMetrics();
    this.namespace = b.namespace;
    this.level = b.level;
    this.granularity = b.granularity;
    this.uploadInterval = b.uploadInterval;
    this.datums = new MetricDatums(b.level, b.granularity, b.extras);
    this.maxBufferedDatums = b.maxBufferedDatums;
    this.closeTimeout = b.closeTimeout;
    this.namespaceBytes = MetricDatums.utf8Length(namespace);
    String name = "kpl-codec-cloudwatch-" + INSTANCES.incrementAndGet();
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true); // never keeps a JVM alive; close() is what uploads the rest
      return thread;
    });
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.scheduler = executor;
    long nanos = uploadInterval.toNanos();
    scheduler.scheduleWithFixedDelay(this::scheduledUpload, nanos, nanos, TimeUnit.NANOSECONDS);
  }


  /**
   * A builder of a publisher uploading with {@code client}.
   *
   * @param client the CloudWatch client, yours: the publisher never closes it
   * @return a builder with the KPL's defaults: namespace {@code KinesisProducerLibrary}, level detailed, granularity
   *     shard, an upload every 60 s
   */
  public static Builder builder(CloudWatchAsyncClient client) {
    return new Builder(client);
  }

  /**
   * The metrics this publisher drains: for reading them locally too ({@link KplMetrics#sinceStart}, {@link
   * KplMetrics#lastSeconds}), or for reporting {@code UserRecordsPending} ({@link KplMetrics#userRecordsPending}).
   * Do not {@link KplMetrics#drain drain} them: the publisher would miss what you took.
   *
   * @return the publisher's metrics
   */
  public KplMetrics metrics() {
    return metrics;
  }

  /**
   * What the publisher did so far.
   *
   * @return a snapshot, consistent as a whole
   */
  public Counters counters() {
    synchronized (lock) {
      return new Counters(requests, failedRequests, datumsUploaded, datumsRejected, datumsDropped, queue.size());
    }
  }

  /**
   * Uploads now, on the publisher's thread, what was recorded since the last upload and what waits from earlier
   * ones, without waiting for the interval. If a request of an earlier upload is still unanswered, this upload starts
   * once it is answered.
   *
   * @return completes when every request of the upload that took the metrics recorded before this call is answered,
   *     successfully or not (see {@link #counters()}); never completes exceptionally. Already complete after {@link
   *     #close()}
   */
  public CompletableFuture<Void> flush() {
    try {
      return CompletableFuture.supplyAsync(() -> upload(true), scheduler).thenCompose(f -> f).exceptionally(e -> {
        LOG.log(Level.ERROR, "kpl-codec-cloudwatch: upload failed before sending", e);
        return null;
      });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return CompletableFuture.completedFuture(null); // closed
    }
  }

  private void scheduledUpload() {
    try {
      upload(false);
    } catch (RuntimeException e) {
      // A bug must not end the schedule (an exception would cancel it): log it, try again next interval.
      LOG.log(Level.ERROR, "kpl-codec-cloudwatch: upload failed before sending", e);
    }
  }

  /**
   * One upload, on the publisher's thread (or the closing one, once that thread has stopped): drains the metrics into
   * the queue, then sends the whole queue unless the previous upload is unanswered.
   *
   * @param afterPrevious if the previous upload is unanswered, upload again once it is (else leave the queue to the
   *     next interval)
   */
  private CompletableFuture<Void> upload(boolean afterPrevious) {
    enqueue(datums.of(metrics.drain(), Instant.now()));
    CompletableFuture<Void> previous = lastUpload;
    if (!previous.isDone()) {
      if (!afterPrevious) {
        return previous;
      }
      return previous.thenComposeAsync(v -> upload(true), scheduler)
          .exceptionally(e -> null); // closed meanwhile: close() sends the queue
    }
    List<List<MetricDatum>> batches = new ArrayList<>();
    synchronized (lock) {
      while (!queue.isEmpty()) {
        batches.add(nextBatch());
      }
    }
    CompletableFuture<?>[] answers = new CompletableFuture<?>[batches.size()];
    for (int i = 0; i < answers.length; i++) {
      answers[i] = send(batches.get(i));
    }
    CompletableFuture<Void> upload = CompletableFuture.allOf(answers);
    lastUpload = upload;
    return upload;
  }

  /** The next request's datums from the head of the queue: at most 1,000, within the size budget. Holds the lock. */
  private List<MetricDatum> nextBatch() {
    List<MetricDatum> batch = new ArrayList<>();
    long bytes = 200 + 3L * namespaceBytes; // the action, the version, the namespace
    while (!queue.isEmpty() && batch.size() < MAX_DATUMS_PER_REQUEST) {
      Queued next = queue.peekFirst();
      if (!batch.isEmpty() && bytes + next.bytes() > MAX_REQUEST_BYTES) {
        break;
      }
      queue.removeFirst();
      batch.add(next.datum());
      bytes += next.bytes();
    }
    return batch;
  }

  /** Sends one request; the returned future completes when it is answered, never exceptionally. */
  private CompletableFuture<Void> send(List<MetricDatum> batch) {
    CompletableFuture<?> call;
    try {
      call = client.putMetricData(r -> r.namespace(namespace).metricData(batch));
    } catch (RuntimeException e) {
      call = CompletableFuture.failedFuture(e); // a closed client, a bad argument: answered like a failed call
    }
    return call.handle((response, error) -> {
      answered(batch, error);
      return null;
    });
  }

  private void answered(List<MetricDatum> batch, Throwable error) {
    if (error == null) {
      synchronized (lock) {
        requests++;
        datumsUploaded += batch.size();
      }
      return;
    }
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    boolean retry = worthRetrying(cause);
    int dropped = 0;
    synchronized (lock) {
      requests++;
      failedRequests++;
      if (retry) {
        for (int i = batch.size() - 1; i >= 0; i--) {
          MetricDatum datum = batch.get(i);
          queue.addFirst(new Queued(datum, MetricDatums.estimatedBytes(datum)));
        }
        dropped = trim();
      } else {
        datumsRejected += batch.size();
      }
    }
    LOG.log(Level.WARNING, () -> "kpl-codec-cloudwatch: PutMetricData of " + batch.size() + " datums to namespace "
        + namespace + " failed (" + cause + "); "
        + (retry ? "kept for the next upload" : "refused as invalid: dropped"));
    if (dropped > 0) {
      int count = dropped;
      LOG.log(Level.WARNING, () -> "kpl-codec-cloudwatch: " + count + " unsent datums dropped, the oldest first ("
          + maxBufferedDatums + " at most wait)");
    }
  }

  /**
   * Whether a failed request's datums are worth sending again: yes after a server error, throttling, a timeout, an
   * authorization failure (credentials may be refreshed) or no answer at all; no when CloudWatch refused the request
   * itself (any other 4xx: sending it again would be refused again).
   */
  static boolean worthRetrying(Throwable error) {
    if (error instanceof AwsServiceException service) {
      int status = service.statusCode();
      return status < 400 || status >= 500 || status == 401 || status == 403 || status == 408 || status == 429
          || service.isThrottlingException();
    }
    return true;
  }

  private void enqueue(List<MetricDatum> datums) {
    if (datums.isEmpty()) {
      return;
    }
    int dropped;
    synchronized (lock) {
      for (MetricDatum datum : datums) {
        queue.addLast(new Queued(datum, MetricDatums.estimatedBytes(datum)));
      }
      dropped = trim();
    }
    if (dropped > 0) {
      LOG.log(Level.WARNING, () -> "kpl-codec-cloudwatch: " + dropped + " unsent datums dropped, the oldest first ("
          + maxBufferedDatums + " at most wait)");
    }
  }

  /** Drops the oldest datums beyond the bound; holds the lock. */
  private int trim() {
    int dropped = 0;
    while (queue.size() > maxBufferedDatums) {
      queue.removeFirst();
      dropped++;
    }
    datumsDropped += dropped;
    return dropped;
  }





  /**
   * Stops the schedule, then uploads once what is left (recorded since the last upload, and what waits from earlier
   * ones), and waits for the answers, at most {@link Builder#closeTimeout} in all. Close the producer first, so that
   * its last events are in. Events after this are still counted by {@link #metrics()}, never uploaded. Later calls
   * do nothing. Does not close the CloudWatch client.
   */
  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    long deadline = System.nanoTime() + closeTimeout.toNanos();
    scheduler.shutdown();
    try {
      if (!scheduler.awaitTermination(closeTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
        scheduler.shutdownNow();
      }
      // Only this thread uploads now. The previous upload's failures go back to the queue before the last one.
      await(lastUpload, deadline);
      await(upload(false), deadline);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    int left = counters().datumsQueued();
    if (left > 0) {
      LOG.log(Level.WARNING, () -> "kpl-codec-cloudwatch: closed with " + left + " datums not uploaded");
    }
  }

  private void await(CompletableFuture<Void> upload, long deadline) throws InterruptedException {
    try {
      upload.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      LOG.log(Level.WARNING, () -> "kpl-codec-cloudwatch: close() gave up waiting for CloudWatch after "
          + closeTimeout);
    } catch (ExecutionException e) {
      // never: uploads complete normally
    }
  }

  @Override
  public void userRecordReceived(String stream) {
    metrics.userRecordReceived(stream);
  }

  @Override
  public void userRecordPut(String stream, String shardId, long bytes, Duration sinceAdd, int attempts) {
    metrics.userRecordPut(stream, shardId, bytes, sinceAdd, attempts);
  }

  @Override
  public void userRecordFailed(String stream, KinesisProducerException.Reason reason, int attempts) {
    metrics.userRecordFailed(stream, reason, attempts);
  }

  @Override
  public void kinesisRecordPut(String stream, String shardId, long bytes, int userRecords) {
    metrics.kinesisRecordPut(stream, shardId, bytes, userRecords);
  }

  @Override
  public void putRecordsCall(String stream, int kinesisRecords, int userRecords, Duration requestTime,
      String errorCode) {
    metrics.putRecordsCall(stream, kinesisRecords, userRecords, requestTime, errorCode);
  }

  @Override
  public void kinesisRecordFailed(String stream, String shardId, String errorCode) {
    metrics.kinesisRecordFailed(stream, shardId, errorCode);
  }

  @Override
  public String toString() {
    return "CloudWatchMetricsPublisher(namespace=" + namespace + ", level=" + level + ", granularity=" + granularity
        + ", uploadInterval=" + uploadInterval + ", " + counters() + ")";
  }

  /**
   * Settings of a {@link CloudWatchMetricsPublisher}, the KPL's defaults unless set; {@link KplCloudWatchSettings}
   * sets them from KPL properties. Not thread-safe: one thread builds.
   */
  public static final class Builder {
    private final CloudWatchAsyncClient client;
    private KplMetrics metrics;
    private String namespace = "KinesisProducerLibrary";
    private KplMetric.Level level = KplMetric.Level.DETAILED;
    private KplMetric.Granularity granularity = KplMetric.Granularity.SHARD;
    private Duration uploadInterval = Duration.ofMinutes(1);
    private final List<Extra> extras = new ArrayList<>();
    private int maxBufferedDatums = 20_000;
    private Duration closeTimeout = Duration.ofSeconds(10);

    private Builder(CloudWatchAsyncClient client) {
      this.client = Objects.requireNonNull(client, "client");
    }

    /**
     * The metrics to drain and upload (default: a new {@link KplMetrics}): for a producer's metrics you already
     * collect, e.g. passed to the producer yourself. The publisher becomes their only drainer.
     *
     * @param metrics the metrics
     * @return this builder
     */
    public Builder metrics(KplMetrics metrics) {
      this.metrics = Objects.requireNonNull(metrics, "metrics");
      return this;
    }

    /**
     * The CloudWatch namespace (the KPL's {@code MetricsNamespace}; default {@code KinesisProducerLibrary}).
     *
     * @param namespace 1 to 255 characters, not starting with {@code AWS/}
     * @return this builder
     * @throws IllegalArgumentException if it is not
     */
    public Builder namespace(String namespace) {
      Objects.requireNonNull(namespace, "namespace");
      if (namespace.isEmpty() || namespace.length() > 255 || namespace.startsWith("AWS/")) {
        throw new IllegalArgumentException("namespace must be 1 to 255 characters, not starting with AWS/, got \""
            + namespace + "\"");
      }
      this.namespace = namespace;
      return this;
    }

    /**
     * Which metrics are uploaded (the KPL's {@code MetricsLevel}; default {@link KplMetric.Level#DETAILED}, as the
     * KPL): {@link KplMetric.Level#SUMMARY} only the summary ones ({@link KplMetric#level()}), {@link
     * KplMetric.Level#NONE} nothing.
     *
     * @param level the level
     * @return this builder
     */
    public Builder level(KplMetric.Level level) {
      this.level = Objects.requireNonNull(level, "level");
      return this;
    }

    /**
     * The finest dimensions uploaded (the KPL's {@code MetricsGranularity}; default {@link
     * KplMetric.Granularity#SHARD}): {@link KplMetric.Granularity#STREAM} leaves out the per-shard metrics, {@link
     * KplMetric.Granularity#GLOBAL} the per-stream ones too.
     *
     * @param granularity the granularity
     * @return this builder
     */
    public Builder granularity(KplMetric.Granularity granularity) {
      this.granularity = Objects.requireNonNull(granularity, "granularity");
      return this;
    }

    /**
     * How often metrics are uploaded (the KPL's {@code MetricsUploadDelay}; default 60 s). Each upload holds what was
     * recorded since the previous one, however long that is.
     *
     * @param interval positive
     * @return this builder
     * @throws IllegalArgumentException if it is not positive
     */
    public Builder uploadInterval(Duration interval) {
      Objects.requireNonNull(interval, "interval");
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("uploadInterval must be positive, got " + interval);
      }
      this.uploadInterval = interval;
      return this;
    }

    /**
     * Adds a dimension to every metric of a granularity and finer (the KPL's {@code
     * addAdditionalMetricsDimension}): {@code GLOBAL} to every metric, {@code STREAM} to those with a {@code
     * StreamName} (after it), {@code SHARD} to those with a {@code ShardId} (after it). At most 27 in all, so that a
     * datum keeps within CloudWatch's 30 dimensions.
     *
     * @param name 1 to 255 characters
     * @param value 1 to 1024 characters
     * @param granularity the coarsest granularity that gets it
     * @return this builder
     * @throws IllegalArgumentException if a length is out of range, or with a 28th dimension
     */
    public Builder additionalDimension(String name, String value, KplMetric.Granularity granularity) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(granularity, "granularity");
      if (name.isEmpty() || name.length() > 255) {
        throw new IllegalArgumentException("a dimension's name must be 1 to 255 characters, got \"" + name + "\"");
      }
      if (value.isEmpty() || value.length() > 1024) {
        throw new IllegalArgumentException("dimension " + name + ": its value must be 1 to 1024 characters, got "
            + value.length());
      }
      if (extras.size() == MAX_DIMENSIONS - KPL_DIMENSIONS) {
        throw new IllegalArgumentException("at most " + (MAX_DIMENSIONS - KPL_DIMENSIONS) + " additional dimensions:"
            + " CloudWatch takes " + MAX_DIMENSIONS + " per datum, and the KPL's own take up to " + KPL_DIMENSIONS);
      }
      extras.add(new Extra(Dimension.builder().name(name).value(value).build(), granularity));
      return this;
    }

    /**
     * The most datums waiting to be sent (default 20,000, about 10 MB): after failed uploads, the oldest beyond it
     * are dropped and counted ({@link Counters#datumsDropped()}). Hold a few intervals: at shard granularity, a
     * detailed upload has about 9 datums per shard written to.
     *
     * @param datums at least 1
     * @return this builder
     * @throws IllegalArgumentException if below 1
     */
    public Builder maxBufferedDatums(int datums) {
      if (datums < 1) {
        throw new IllegalArgumentException("maxBufferedDatums must be at least 1, got " + datums);
      }
      this.maxBufferedDatums = datums;
      return this;
    }

    /**
     * How long {@link #close()} waits in all for its last upload to be answered (default 10 s).
     *
     * @param timeout zero or more
     * @return this builder
     * @throws IllegalArgumentException if negative
     */
    public Builder closeTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("closeTimeout must not be negative, got " + timeout);
      }
      this.closeTimeout = timeout;
      return this;
    }

    /**
     * Builds the publisher and starts its schedule (its first upload one interval from now).
     *
     * @return the publisher; close it after the producer
     */
    public CloudWatchMetricsPublisher build() {
      return new CloudWatchMetricsPublisher(this);
    }
  }
}
