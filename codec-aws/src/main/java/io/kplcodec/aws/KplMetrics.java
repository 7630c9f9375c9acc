package io.kplcodec.aws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The KPL's metrics, aggregated from a {@link KinesisProducer}'s events: pass it to {@link
 * KinesisProducer.Builder#metrics}, then read {@link KplMetric}s by the KPL's names and dimensions. Each event is
 * recorded at every granularity the KPL records it at: the whole producer (no dimension), the stream ({@code
 * StreamName}) and, where the KPL has it, the shard ({@code StreamName}, {@code ShardId}); {@code ErrorsByCode} also
 * by {@code ErrorCode} alone, with its stream, and with its shard, and over the whole producer without it.
 *
 * <p>Three views of the same data points: {@link #sinceStart} (cumulative), {@link #lastSeconds} (the last 1 to 60
 * seconds, per-second buckets as the KPL's {@code getMetrics(name, seconds)}), and {@link #drain} (everything since
 * the previous drain, for a publisher to upload each interval). The events follow the KPL's: a user record that fails
 * counts 0 in {@code UserRecordsPut}, a refused Kinesis record 0 in {@code KinesisRecordsPut}, a stored one 0 in
 * {@code AllErrors}, so that the sample counts and averages are the KPL's; a failed PutRecords call counts 1 in
 * {@code ErrorsByCode} and {@code AllErrors}. {@code UserRecordsPending} is not a producer event: whoever knows the
 * count reports it with {@link #userRecordsPending}.
 *
 * <p>Memory: a few kilobytes per metric and set of dimensions seen (per-second buckets included), for the life of
 * this object; shards closed by a reshard keep theirs.
 *
 * <p>Thread-safe: events, snapshots and drains are serialized on this object, and each is short (no I/O, no
 * callback). A drain concurrent with events loses none of them: each data point lands in exactly one drained
 * interval. Drains are meant for one reader (a publisher): two readers would each get part of the data.
 */
public final class KplMetrics implements ProducerMetrics {
  private static final int WINDOW = 60;

  /** The KPL's metric names, indexing each node's series. */
  private enum Name {
    USER_RECORDS_RECEIVED("UserRecordsReceived"),
    USER_RECORDS_PENDING("UserRecordsPending"),
    USER_RECORDS_PUT("UserRecordsPut"),
    USER_RECORDS_DATA_PUT("UserRecordsDataPut"),
    KINESIS_RECORDS_PUT("KinesisRecordsPut"),
    KINESIS_RECORDS_DATA_PUT("KinesisRecordsDataPut"),
    ERRORS_BY_CODE("ErrorsByCode"),
    ALL_ERRORS("AllErrors"),
    RETRIES_PER_RECORD("RetriesPerRecord"),
    USER_RECORD_EXPIRED("UserRecordExpired"),
    BUFFERING_TIME("BufferingTime"),
    REQUEST_TIME("RequestTime"),
    USER_RECORDS_PER_KINESIS_RECORD("UserRecordsPerKinesisRecord"),
    KINESIS_RECORDS_PER_PUT_RECORDS_REQUEST("KinesisRecordsPerPutRecordsRequest"),
    USER_RECORDS_PER_PUT_RECORDS_REQUEST("UserRecordsPerPutRecordsRequest");

    static final Name[] ALL = values();
    final String kplName;

    Name(String kplName) {
      this.kplName = kplName;
    }
  }

  /** Statistics of data points: count, sum, min, max. */
  private static final class Stats {
    long count;
    double sum;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;

    void add(double value) {
      count++;
      sum += value;
      min = Math.min(min, value);
      max = Math.max(max, value);
    }

    void add(Stats other) {
      count += other.count;
      sum += other.sum;
      min = Math.min(min, other.min);
      max = Math.max(max, other.max);
    }

    void reset() {
      count = 0;
      sum = 0;
      min = Double.POSITIVE_INFINITY;
      max = Double.NEGATIVE_INFINITY;
    }
  }

  /** One metric with one set of dimensions. */
  private static final class Series {
    final String name;
    final Map<String, String> dimensions;
    final Stats total = new Stats();
    /** Since the last drain. */
    final Stats interval = new Stats();
    /** Per second, at index second % 60; {@code seconds[i]} says which second slot i holds. Made on first use. */
    Stats[] perSecond;
    long[] seconds;

    Series(String name, Map<String, String> dimensions) {
      this.name = name;
      this.dimensions = dimensions;
    }

    void add(double value, long second) {
      total.add(value);
      interval.add(value);
      if (perSecond == null) {
        perSecond = new Stats[WINDOW];
        seconds = new long[WINDOW];
      }
      int slot = (int) (second % WINDOW);
      Stats bucket = perSecond[slot];
      if (bucket == null) {
        bucket = perSecond[slot] = new Stats();
        seconds[slot] = second;
      } else if (seconds[slot] != second) {
        bucket.reset(); // an older second's: gone from every window
        seconds[slot] = second;
      }
      bucket.add(value);
    }
  }

  /** One set of dimensions (a path in the KPL's tree of metrics), its series by name, and its children. */
  private final class Node {
    final Map<String, String> dimensions;
    final Series[] series = new Series[Name.ALL.length];
    /** The next dimension's nodes, by value: streams under the root and an error code, shards under a stream. */
    private Map<String, Node> children;

    Node(Map<String, String> dimensions) {
      this.dimensions = dimensions;
    }

    Node child(String key, String value) {
      if (children == null) {
        children = new HashMap<>(4);
      }
      Node child = children.get(value);
      if (child == null) {
        Map<String, String> dims = new LinkedHashMap<>(dimensions);
        dims.put(key, value);
        child = new Node(Collections.unmodifiableMap(dims));
        children.put(value, child);
      }
      return child;
    }

    void add(Name name, double value, long second) {
      Series s = series[name.ordinal()];
      if (s == null) {
        s = series[name.ordinal()] = new Series(name.kplName, dimensions);
        all.add(s);
      }
      s.add(value, second);
    }
  }

  private final LongSupplier nanoTime;
  private final long startNanos;
  /** Every series, in the order they were first seen. Guarded by this, as everything below. */
  private final List<Series> all = new ArrayList<>();
  private final Node root = new Node(Map.of());
  /** {@code ErrorsByCode}'s tree: error code, then stream, then shard. */
  private final Map<String, Node> errorCodes = new HashMap<>();
  private long lastDrainNanos;

  /** Metrics on {@link System#nanoTime()}. */
  public KplMetrics() {
    this(System::nanoTime);
  }

  /**
   * Metrics on a clock of the caller's (tests: a fake one).
   *
   * @param nanoTime a monotonic clock in nanoseconds, as {@link System#nanoTime()}; called under this object's lock
   */
  public KplMetrics(LongSupplier nanoTime) {
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    this.startNanos = nanoTime.getAsLong();
    this.lastDrainNanos = startNanos;
  }

  private long second(long now) {
    return (now - startNanos) / 1_000_000_000L;
  }

  /** A data point at the producer and stream granularities. Caller holds the lock. */
  private void perStream(Name name, double value, Node stream, long second) {
    root.add(name, value, second);
    stream.add(name, value, second);
  }

  /** A data point at the producer, stream and shard granularities. Caller holds the lock. */
  private void perShard(Name name, double value, Node stream, Node shard, long second) {
    perStream(name, value, stream, second);
    shard.add(name, value, second);
  }

  /** {@code ErrorsByCode}, at each of the KPL's sets of dimensions; {@code shardId} may be null. */
  private void errorByCode(String errorCode, String stream, String shardId, long second) {
    root.add(Name.ERRORS_BY_CODE, 1, second);
    Node code = errorCodes.get(errorCode);
    if (code == null) {
      code = new Node(Map.of(KplMetric.ERROR_CODE, errorCode));
      errorCodes.put(errorCode, code);
    }
    code.add(Name.ERRORS_BY_CODE, 1, second);
    Node inStream = code.child(KplMetric.STREAM_NAME, stream);
    inStream.add(Name.ERRORS_BY_CODE, 1, second);
    if (shardId != null) {
      inStream.child(KplMetric.SHARD_ID, shardId).add(Name.ERRORS_BY_CODE, 1, second);
    }
  }

  /**
   * Records a sample of the user records not yet completed for a stream, the KPL's {@code UserRecordsPending}
   * (which the KPL samples every 200 ms). {@link KinesisProducer} has no event for it: call it with {@link
   * KinesisProducer#outstandingRecords()}, or a count of your own, as often as you want samples.
   *
   * @param stream the stream
   * @param count the user records outstanding
   */
  public synchronized void userRecordsPending(String stream, long count) {
    long second = second(nanoTime.getAsLong());
    perStream(Name.USER_RECORDS_PENDING, count, root.child(KplMetric.STREAM_NAME, stream), second);
  }

  /**
   * {@code UserRecordsReceived}: 1, for the producer and the stream.
   *
   * @param stream the stream it is for
   */
  @Override
  public synchronized void userRecordReceived(String stream) {
    long second = second(nanoTime.getAsLong());
    perStream(Name.USER_RECORDS_RECEIVED, 1, root.child(KplMetric.STREAM_NAME, stream), second);
  }

  /**
   * {@code UserRecordsPut} 1, {@code UserRecordsDataPut} its bytes, {@code BufferingTime} its milliseconds since
   * {@code add}, {@code RetriesPerRecord} its attempts less one: for the producer, the stream and the shard.
   *
   * @param stream its stream
   * @param shardId the shard it landed on
   * @param bytes its data plus partition key
   * @param sinceAdd from its {@code add} to the answer that put it
   * @param attempts how many times it was sent
   */
  @Override
  public synchronized void userRecordPut(String stream, String shardId, long bytes, Duration sinceAdd, int attempts) {
    long second = second(nanoTime.getAsLong());
    Node s = root.child(KplMetric.STREAM_NAME, stream);
    Node shard = s.child(KplMetric.SHARD_ID, shardId);
    perShard(Name.USER_RECORDS_PUT, 1, s, shard, second);
    perShard(Name.USER_RECORDS_DATA_PUT, bytes, s, shard, second);
    perShard(Name.BUFFERING_TIME, sinceAdd.toMillis(), s, shard, second);
    perShard(Name.RETRIES_PER_RECORD, Math.max(0, attempts - 1), s, shard, second);
  }

  /**
   * {@code UserRecordsPut} 0, {@code RetriesPerRecord} its attempts less one if it was sent, and {@code
   * UserRecordExpired} 1 if its time ran out: for the producer and the stream (the event has no shard).
   *
   * @param stream its stream
   * @param reason why it failed
   * @param attempts how many times it was sent
   */
  @Override
  public synchronized void userRecordFailed(String stream, KinesisProducerException.Reason reason, int attempts) {
    long second = second(nanoTime.getAsLong());
    Node s = root.child(KplMetric.STREAM_NAME, stream);
    perStream(Name.USER_RECORDS_PUT, 0, s, second);
    if (attempts > 0) {
      perStream(Name.RETRIES_PER_RECORD, attempts - 1, s, second);
    }
    if (reason == KinesisProducerException.Reason.RECORD_TIMEOUT) {
      perStream(Name.USER_RECORD_EXPIRED, 1, s, second);
    }
  }

  /**
   * {@code KinesisRecordsPut} 1, {@code KinesisRecordsDataPut} its bytes, {@code AllErrors} 0 and {@code
   * UserRecordsPerKinesisRecord}: for the producer, the stream and the shard.
   *
   * @param stream its stream
   * @param shardId the shard it landed on
   * @param bytes its data plus partition key
   * @param userRecords the user records in it
   */
  @Override
  public synchronized void kinesisRecordPut(String stream, String shardId, long bytes, int userRecords) {
    long second = second(nanoTime.getAsLong());
    Node s = root.child(KplMetric.STREAM_NAME, stream);
    Node shard = s.child(KplMetric.SHARD_ID, shardId);
    perShard(Name.KINESIS_RECORDS_PUT, 1, s, shard, second);
    perShard(Name.KINESIS_RECORDS_DATA_PUT, bytes, s, shard, second);
    perShard(Name.ALL_ERRORS, 0, s, shard, second);
    perShard(Name.USER_RECORDS_PER_KINESIS_RECORD, userRecords, s, shard, second);
  }

  /**
   * {@code RequestTime}, {@code KinesisRecordsPerPutRecordsRequest} and {@code UserRecordsPerPutRecordsRequest} for
   * the producer and the stream; a failed call also counts 1 in {@code AllErrors} (producer, stream) and {@code
   * ErrorsByCode} (producer; code; code and stream).
   *
   * @param stream its stream
   * @param kinesisRecords its entries
   * @param userRecords the user records in them
   * @param requestTime from the call to its answer
   * @param errorCode null if answered, else why it failed
   */
  @Override
  public synchronized void putRecordsCall(String stream, int kinesisRecords, int userRecords, Duration requestTime,
      String errorCode) {
    long second = second(nanoTime.getAsLong());
    Node s = root.child(KplMetric.STREAM_NAME, stream);
    perStream(Name.REQUEST_TIME, requestTime.toMillis(), s, second);
    perStream(Name.KINESIS_RECORDS_PER_PUT_RECORDS_REQUEST, kinesisRecords, s, second);
    perStream(Name.USER_RECORDS_PER_PUT_RECORDS_REQUEST, userRecords, s, second);
    if (errorCode != null) {
      errorByCode(errorCode, stream, null, second);
      perStream(Name.ALL_ERRORS, 1, s, second);
    }
  }

  /**
   * {@code KinesisRecordsPut} 0 and {@code AllErrors} 1 for the producer, the stream and the shard; {@code
   * ErrorsByCode} 1 for the producer, the code, the code and stream, and the code, stream and shard.
   *
   * @param stream its stream
   * @param shardId the shard it was meant for
   * @param errorCode the service's code
   */
  @Override
  public synchronized void kinesisRecordFailed(String stream, String shardId, String errorCode) {
    long second = second(nanoTime.getAsLong());
    Node s = root.child(KplMetric.STREAM_NAME, stream);
    Node shard = s.child(KplMetric.SHARD_ID, shardId);
    perShard(Name.KINESIS_RECORDS_PUT, 0, s, shard, second);
    perShard(Name.ALL_ERRORS, 1, s, shard, second);
    errorByCode(errorCode, stream, shardId, second);
  }

  /**
   * The metrics named {@code name} (all if null) since this object was made, one per set of dimensions seen, in the
   * order first seen; each {@linkplain KplMetric#duration() covers} the whole seconds since then (at least 1).
   *
   * @param name a KPL metric name, e.g. {@code UserRecordsPut}, or null for every metric
   * @return the metrics, possibly empty
   */
  public synchronized List<KplMetric> sinceStart(String name) {
    Duration duration = Duration.ofSeconds(Math.max(1, second(nanoTime.getAsLong()) + 1));
    List<KplMetric> out = new ArrayList<>();
    for (Series s : all) {
      if ((name == null || name.equals(s.name)) && s.total.count > 0) {
        out.add(metric(s, s.total, duration));
      }
    }
    return out;
  }

  /**
   * The metrics named {@code name} (all if null) over the last {@code seconds} seconds, the current one included, as
   * the KPL's {@code getMetrics(name, seconds)}; a series with no data point then is left out.
   *
   * @param name a KPL metric name, or null for every metric
   * @param seconds 1 to 60; less counts as 1, more as 60
   * @return the metrics, each covering {@code seconds} seconds; possibly empty
   */
  public synchronized List<KplMetric> lastSeconds(String name, int seconds) {
    long now = second(nanoTime.getAsLong());
    int window = Math.min(WINDOW, Math.max(1, seconds));
    Duration duration = Duration.ofSeconds(window);
    List<KplMetric> out = new ArrayList<>();
    for (Series s : all) {
      if ((name != null && !name.equals(s.name)) || s.perSecond == null) {
        continue;
      }
      Stats stats = new Stats();
      for (int i = 0; i < WINDOW; i++) {
        if (s.perSecond[i] != null && s.seconds[i] > now - window) {
          stats.add(s.perSecond[i]);
        }
      }
      if (stats.count > 0) {
        out.add(metric(s, stats, duration));
      }
    }
    return out;
  }

  /**
   * Every metric's statistics since the previous drain (or since this object was made), and starts the next
   * interval: what a publisher uploads each interval. Data points recorded while it runs go into this interval or
   * the next, never neither nor both.
   *
   * @return the metrics with a data point in the interval, each covering the interval; possibly empty
   */
  public synchronized List<KplMetric> drain() {
    long now = nanoTime.getAsLong();
    Duration duration = Duration.ofNanos(Math.max(0, now - lastDrainNanos));
    lastDrainNanos = now;
    List<KplMetric> out = new ArrayList<>();
    for (Series s : all) {
      if (s.interval.count > 0) {
        out.add(metric(s, s.interval, duration));
        s.interval.reset();
      }
    }
    return out;
  }

  private static KplMetric metric(Series s, Stats stats, Duration duration) {
    return new KplMetric(s.name, s.dimensions, stats.count, stats.sum, stats.min, stats.max, duration);
  }

  @Override
  public synchronized String toString() {
    return "KplMetrics(" + all.size() + " series)";
  }
}
