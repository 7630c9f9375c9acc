package io.kplcodec.aws;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The statistics of one of the KPL's metrics, with one set of dimensions, over a period: what {@link KplMetrics}
 * reports, and what the KPL reports to CloudWatch as one datum ({@code SampleCount}, {@code Sum}, {@code Minimum},
 * {@code Maximum}).
 *
 * <p>The KPL's metrics, each with its {@linkplain #level() level} and {@linkplain #unit() unit} (as the KPL's {@code
 * metrics_constants}): {@code UserRecordsReceived}, {@code UserRecordsPending}, {@code UserRecordsDataPut}, {@code
 * KinesisRecordsDataPut}, {@code RetriesPerRecord}, {@code RequestTime}, {@code UserRecordsPerKinesisRecord}, {@code
 * KinesisRecordsPerPutRecordsRequest} and {@code UserRecordsPerPutRecordsRequest} are detailed; {@code
 * UserRecordsPut}, {@code KinesisRecordsPut}, {@code ErrorsByCode}, {@code AllErrors}, {@code UserRecordExpired} and
 * {@code BufferingTime} are summary. Immutable and thread-safe.
 *
 * @param name the KPL's name of the metric, e.g. {@code UserRecordsPut}
 * @param dimensions the dimensions, in the KPL's order ({@code ErrorCode}, then {@code StreamName}, then {@code
 *     ShardId}, each only where it applies); empty for the whole producer. Copied, unmodifiable, order kept
 * @param count the number of data points (CloudWatch's {@code SampleCount}), at least 1
 * @param sum their sum
 * @param min the smallest
 * @param max the largest
 * @param duration the period the statistics cover
 */
public record KplMetric(String name, Map<String, String> dimensions, long count, double sum, double min, double max,
    Duration duration) {
  /** The dimension of a stream's metrics. */
  public static final String STREAM_NAME = "StreamName";
  /** The dimension of a shard's metrics, after {@link #STREAM_NAME}. */
  public static final String SHARD_ID = "ShardId";
  /** The dimension of {@code ErrorsByCode}. */
  public static final String ERROR_CODE = "ErrorCode";

  /**
   * How detailed a metric is, as the KPL's {@code MetricsLevel}: each metric is {@link #SUMMARY} or {@link
   * #DETAILED}; a publisher set to a level publishes the metrics at that level and below, {@link #NONE} none.
   * Immutable and thread-safe.
   */
  public enum Level {
    /** No metric: as a publisher's level, nothing is published. */
    NONE,
    /** The metrics a summary shows. */
    SUMMARY,
    /** Every metric. */
    DETAILED;

    /**
     * The level the KPL's {@code MetricsLevel} property names.
     *
     * @param kplValue {@code none}, {@code summary} or {@code detailed}, in any case
     * @return the level
     * @throws IllegalArgumentException for any other value
     */
    public static Level fromKpl(String kplValue) {
      return parseKpl(Level.class, "MetricsLevel", kplValue);
    }
  }

  /**
   * The finest dimensions of a metric, as the KPL's {@code MetricsGranularity}: the whole producer, a stream, or a
   * shard of a stream. {@code ErrorCode} alone is the producer's granularity. Immutable and thread-safe.
   */
  public enum Granularity {
    /** The whole producer: no {@code StreamName}. */
    GLOBAL,
    /** One stream: {@code StreamName} without {@code ShardId}. */
    STREAM,
    /** One shard: {@code StreamName} and {@code ShardId}. */
    SHARD;

    /**
     * The granularity the KPL's {@code MetricsGranularity} property names.
     *
     * @param kplValue {@code global}, {@code stream} or {@code shard}, in any case
     * @return the granularity
     * @throws IllegalArgumentException for any other value
     */
    public static Granularity fromKpl(String kplValue) {
      return parseKpl(Granularity.class, "MetricsGranularity", kplValue);
    }
  }

  private static final Map<String, Level> LEVELS = Map.ofEntries(
      Map.entry("UserRecordsReceived", Level.DETAILED),
      Map.entry("UserRecordsPending", Level.DETAILED),
      Map.entry("UserRecordsPut", Level.SUMMARY),
      Map.entry("UserRecordsDataPut", Level.DETAILED),
      Map.entry("KinesisRecordsPut", Level.SUMMARY),
      Map.entry("KinesisRecordsDataPut", Level.DETAILED),
      Map.entry("ErrorsByCode", Level.SUMMARY),
      Map.entry("AllErrors", Level.SUMMARY),
      Map.entry("RetriesPerRecord", Level.DETAILED),
      Map.entry("UserRecordExpired", Level.SUMMARY),
      Map.entry("BufferingTime", Level.SUMMARY),
      Map.entry("RequestTime", Level.DETAILED),
      Map.entry("UserRecordsPerKinesisRecord", Level.DETAILED),
      Map.entry("KinesisRecordsPerPutRecordsRequest", Level.DETAILED),
      Map.entry("UserRecordsPerPutRecordsRequest", Level.DETAILED));

  /**
   * Checks and copies the components.
   *
   * @param name the KPL's name of the metric
   * @param dimensions the dimensions, in the KPL's order; copied
   * @param count the number of data points, at least 1
   * @param sum their sum
   * @param min the smallest
   * @param max the largest
   * @param duration the period the statistics cover
   * @throws NullPointerException if a component is null
   * @throws IllegalArgumentException if {@code count} is below 1
   */
  public KplMetric {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(duration, "duration");
    dimensions = Collections.unmodifiableMap(new LinkedHashMap<>(dimensions));
    if (count < 1) {
      throw new IllegalArgumentException("count must be at least 1, got " + count);
    }
  }

  /**
   * The mean of the data points.
   *
   * @return {@code sum / count}
   */
  public double mean() {
    return sum / count;
  }

  /**
   * The granularity of the dimensions.
   *
   * @return {@link Granularity#SHARD} with a {@code ShardId}, else {@link Granularity#STREAM} with a {@code
   *     StreamName}, else {@link Granularity#GLOBAL}
   */
  public Granularity granularity() {
    if (dimensions.containsKey(SHARD_ID)) {
      return Granularity.SHARD;
    }
    return dimensions.containsKey(STREAM_NAME) ? Granularity.STREAM : Granularity.GLOBAL;
  }

  /**
   * The metric's level, as the KPL has it.
   *
   * @return {@link Level#SUMMARY} or {@link Level#DETAILED}; {@link Level#DETAILED} for a name the KPL does not have
   */
  public Level level() {
    return LEVELS.getOrDefault(name, Level.DETAILED);
  }

  /**
   * The metric's unit, as the KPL uploads it: a CloudWatch {@code StandardUnit} value.
   *
   * @return {@code Bytes} for the data sizes, {@code Milliseconds} for the times, {@code Count} for the rest of the
   *     KPL's metrics, {@code None} for a name the KPL does not have
   */
  public String unit() {
    switch (name) {
      case "UserRecordsDataPut":
      case "KinesisRecordsDataPut":
        return "Bytes";
      case "BufferingTime":
      case "RequestTime":
        return "Milliseconds";
      default:
        return LEVELS.containsKey(name) ? "Count" : "None";
    }
  }

  private static <E extends Enum<E>> E parseKpl(Class<E> type, String property, String kplValue) {
    Objects.requireNonNull(kplValue, property);
    try {
      return Enum.valueOf(type, kplValue.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      StringBuilder allowed = new StringBuilder();
      for (E constant : type.getEnumConstants()) {
        allowed.append(allowed.length() == 0 ? "" : ", ").append(constant.name().toLowerCase(Locale.ROOT));
      }
      throw new IllegalArgumentException(property + " must be one of " + allowed + ", got " + kplValue);
    }
  }
}
