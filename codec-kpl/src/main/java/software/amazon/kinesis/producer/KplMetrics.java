package software.amazon.kinesis.producer;

import io.kplcodec.aws.KinesisProducerException;
import io.kplcodec.aws.ProducerMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The KPL's metrics, from kpl-codec's producer events: for each metric name and combination of dimensions, the
 * statistics of its data points since the start and per second over the last 60 seconds. Each event is recorded at
 * every granularity the KPL has for it: the whole producer (no dimension), the stream ({@code StreamName}) and, where
 * the KPL has it, the shard ({@code StreamName}, {@code ShardId}); error counts also by {@code ErrorCode}.
 *
 * <p>Thread-safe: events and snapshots are serialized on this object (events come one at a time anyway).
 */
final class KplMetrics implements ProducerMetrics {
  static final String STREAM = "StreamName";
  static final String SHARD = "ShardId";
  static final String ERROR_CODE = "ErrorCode";
  private static final int WINDOW = 60;

  /** Statistics of data points. */
  private static final class Stats {
    double sum;
    double count;
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;

    void add(double value) {
      sum += value;
      count++;
      min = Math.min(min, value);
      max = Math.max(max, value);
    }

    void add(Stats other) {
      sum += other.sum;
      count += other.count;
      min = Math.min(min, other.min);
      max = Math.max(max, other.max);
    }
  }

  /** One metric name with one set of dimensions. */
  private static final class Series {
    final String name;
    final Map<String, String> dimensions;
    final Stats total = new Stats();
    /** Per second, at index second % 60; {@code seconds[i]} says which second slot i holds. */
    final Stats[] perSecond = new Stats[WINDOW];
    final long[] seconds = new long[WINDOW];

    Series(String name, Map<String, String> dimensions) {
      this.name = name;
      this.dimensions = dimensions;
    }
  }

  private final LongSupplier nanos;
  private final long startNanos;
  private final Map<List<Object>, Series> series = new LinkedHashMap<>();

  KplMetrics() {
    this(System::nanoTime);
  }

  /** Tests: a clock of their own. */
  KplMetrics(LongSupplier nanos) {
    this.nanos = nanos;
    this.startNanos = nanos.getAsLong();
  }

  private long second() {
    return (nanos.getAsLong() - startNanos) / 1_000_000_000L;
  }

  /** Records {@code value} under {@code name} at each given set of dimensions. */
  @SafeVarargs
  private synchronized void record(String name, double value, Map<String, String>... dimensionSets) {
    long now = second();
    for (Map<String, String> dimensions : dimensionSets) {
      Series s = series.computeIfAbsent(List.of(name, dimensions), k -> new Series(name, dimensions));
      s.total.add(value);
      int slot = (int) (now % WINDOW);
      if (s.perSecond[slot] == null || s.seconds[slot] != now) {
        s.perSecond[slot] = new Stats();
        s.seconds[slot] = now;
      }
      s.perSecond[slot].add(value);
    }
  }

  private static Map<String, String> dims(String... keysAndValues) {
    Map<String, String> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put(keysAndValues[i], keysAndValues[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(map);
  }

  /** A data point at the producer, stream and shard granularities. */
  private void perShard(String name, double value, String stream, String shard) {
    record(name, value, dims(), dims(STREAM, stream), dims(STREAM, stream, SHARD, shard));
  }

  /** A data point at the producer and stream granularities. */
  private void perStream(String name, double value, String stream) {
    record(name, value, dims(), dims(STREAM, stream));
  }

  /** A sample of the records not yet completed ({@code UserRecordsPending}), taken by the producer on each add. */
  void pendingSample(String stream, int outstanding) {
    perStream("UserRecordsPending", outstanding, stream);
  }

  @Override
  public void userRecordReceived(String stream) {
    perStream("UserRecordsReceived", 1, stream);
  }

  @Override
  public void userRecordPut(String stream, String shardId, long bytes, Duration sinceAdd, int attempts) {
    perShard("UserRecordsPut", 1, stream, shardId);
    perShard("UserRecordsDataPut", bytes, stream, shardId);
    perShard("BufferingTime", sinceAdd.toMillis(), stream, shardId);
    perShard("RetriesPerRecord", Math.max(0, attempts - 1), stream, shardId);
  }

  @Override
  public void userRecordFailed(String stream, KinesisProducerException.Reason reason, int attempts) {
    if (reason == KinesisProducerException.Reason.RECORD_TIMEOUT) {
      perStream("UserRecordExpired", 1, stream);
    }
  }

  @Override
  public void kinesisRecordPut(String stream, String shardId, long bytes, int userRecords) {
    perShard("KinesisRecordsPut", 1, stream, shardId);
    perShard("KinesisRecordsDataPut", bytes, stream, shardId);
    perShard("UserRecordsPerKinesisRecord", userRecords, stream, shardId);
  }

  @Override
  public void putRecordsCall(String stream, int kinesisRecords, int userRecords, Duration requestTime,
      String errorCode) {
    perStream("RequestTime", requestTime.toMillis(), stream);
    perStream("KinesisRecordsPerPutRecordsRequest", kinesisRecords, stream);
    perStream("UserRecordsPerPutRecordsRequest", userRecords, stream);
    if (errorCode != null) {
      record("ErrorsByCode", kinesisRecords, dims(ERROR_CODE, errorCode), dims(STREAM, stream, ERROR_CODE, errorCode));
      perStream("AllErrors", kinesisRecords, stream);
    }
  }

  @Override
  public void kinesisRecordFailed(String stream, String shardId, String errorCode) {
    record("ErrorsByCode", 1, dims(ERROR_CODE, errorCode), dims(STREAM, stream, ERROR_CODE, errorCode),
        dims(STREAM, stream, SHARD, shardId, ERROR_CODE, errorCode));
    perShard("AllErrors", 1, stream, shardId);
  }

  /**
   * The metrics named {@code name} (all if null): since the start if {@code windowSeconds} is negative, else over
   * the last {@code windowSeconds} (1 to 60; 0 counts as 1) whole or current seconds. A series with no data point in
   * the window is left out.
   */
  synchronized List<Metric> snapshot(String name, int windowSeconds) {
    long now = second();
    List<Metric> out = new ArrayList<>();
    for (Series s : series.values()) {
      if (name != null && !name.equals(s.name)) {
        continue;
      }
      Stats stats;
      long duration;
      if (windowSeconds < 0) {
        stats = s.total;
        duration = Math.max(1, now + 1);
      } else {
        int window = Math.min(WINDOW, Math.max(1, windowSeconds));
        stats = new Stats();
        for (int i = 0; i < WINDOW; i++) {
          if (s.perSecond[i] != null && s.seconds[i] > now - window) {
            stats.add(s.perSecond[i]);
          }
        }
        duration = window;
      }
      if (stats.count > 0) {
        out.add(new Metric(s.name, duration, s.dimensions,
            stats.sum, stats.count, stats.min, stats.max));
      }
    }
    return out;
  }
}
