package software.amazon.kinesis.producer;

import io.kplcodec.aws.KplMetric;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One metric as {@link KinesisProducer#getMetrics()} reports it: a name (the KPL's, e.g. {@code UserRecordsPut}), its
 * dimensions ({@code ErrorCode}, {@code StreamName}, {@code ShardId}; none for the whole producer), and the
 * statistics of its data points over {@link #getDuration()} seconds: kpl-codec-aws's {@link KplMetric} in the KPL's
 * type. Immutable and thread-safe.
 */
public class Metric {
  private final String name;
  private final long duration;
  private final Map<String, String> dimensions;
  private final double sum;
  private final double mean;
  private final double sampleCount;
  private final double min;
  private final double max;

  Metric(String name, long duration, Map<String, String> dimensions, double sum, double sampleCount, double min,
      double max) {
    this.name = name;
    this.duration = duration;
    this.dimensions = Collections.unmodifiableMap(new LinkedHashMap<>(dimensions));
    this.sum = sum;
    this.sampleCount = sampleCount;
    this.mean = sampleCount == 0 ? 0 : sum / sampleCount;
    this.min = min;
    this.max = max;
  }

  /** The KPL's type for kpl-codec-aws's statistics. */
  static Metric of(KplMetric metric) {
    return new Metric(metric.name(), metric.duration().toSeconds(), metric.dimensions(), metric.sum(),
        metric.count(), metric.min(), metric.max());
  }

  /**
   * The dimensions, in the KPL's order: {@code ErrorCode}, then {@code StreamName}, then {@code ShardId}, each only
   * where it applies; empty for the metric over the whole producer.
   *
   * @return an unmodifiable map
   */
  public Map<String, String> getDimensions() {
    return dimensions;
  }

  /**
   * The sum of the data points.
   *
   * @return the sum
   */
  public double getSum() {
    return sum;
  }

  /**
   * The mean of the data points.
   *
   * @return the mean, 0 if there are none
   */
  public double getMean() {
    return mean;
  }

  /**
   * The number of data points.
   *
   * @return the count
   */
  public double getSampleCount() {
    return sampleCount;
  }

  /**
   * The smallest data point.
   *
   * @return the minimum, 0 if there are none
   */
  public double getMin() {
    return min;
  }

  /**
   * The largest data point.
   *
   * @return the maximum, 0 if there are none
   */
  public double getMax() {
    return max;
  }

  /**
   * The metric's name, as the KPL names it.
   *
   * @return the name
   */
  public String getName() {
    return name;
  }

  /**
   * The seconds over which the statistics were gathered: the window asked for, or the time since the producer
   * started for the cumulative form.
   *
   * @return seconds
   */
  public long getDuration() {
    return duration;
  }

  @Override
  public String toString() {
    return "Metric [name=" + name + ", duration=" + duration + ", dimensions=" + dimensions + ", sum=" + sum
        + ", mean=" + mean + ", sampleCount=" + sampleCount + ", min=" + min + ", max=" + max + "]";
  }
}
