package io.kplcodec.cloudwatch;

import io.kplcodec.aws.KplMetric;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricDatum;
import software.amazon.awssdk.services.cloudwatch.model.StandardUnit;
import software.amazon.awssdk.services.cloudwatch.model.StatisticSet;

/**
 * The KPL's metrics as PutMetricData datums, as the KPL uploads them: those its level and granularity take, with its
 * dimensions and the additional ones, and each datum's size bound for the publisher's requests. Immutable and
 * thread-safe.
 */
final class MetricDatums {
  private final KplMetric.Level level;
  private final KplMetric.Granularity granularity;
  private final List<Dimension> globalExtras;
  private final List<Dimension> streamExtras;
  private final List<Dimension> shardExtras;

  MetricDatums(KplMetric.Level level, KplMetric.Granularity granularity,
      List<CloudWatchMetricsPublisher.Extra> extras) {
    this.level = level;
    this.granularity = granularity;
    this.globalExtras = extras(extras, KplMetric.Granularity.GLOBAL);
    this.streamExtras = extras(extras, KplMetric.Granularity.STREAM);
    this.shardExtras = extras(extras, KplMetric.Granularity.SHARD);
  }

  private static List<Dimension> extras(List<CloudWatchMetricsPublisher.Extra> extras,
      KplMetric.Granularity granularity) {
    List<Dimension> out = new ArrayList<>();
    for (CloudWatchMetricsPublisher.Extra extra : extras) {
      if (extra.granularity() == granularity) {
        out.add(extra.dimension());
      }
    }
    return List.copyOf(out);
  }

  /** The datums of the metrics this level and granularity take, stamped with {@code timestamp}. */
  List<MetricDatum> of(List<KplMetric> drained, Instant timestamp) {
    List<MetricDatum> out = new ArrayList<>();
    if (level == KplMetric.Level.NONE) {
      return out;
    }
    for (KplMetric metric : drained) {
      if (metric.level().compareTo(level) <= 0 && metric.granularity().compareTo(granularity) <= 0) {
        out.add(datum(metric, timestamp));
      }
    }
    return out;
  }

  /**
   * One datum. Dimensions as the KPL's tree has them: the global extra dimensions first, then the metric's own in
   * the KPL's order, each stream's extras after {@code StreamName} and each shard's after {@code ShardId}; blank
   * values left out, as the KPL does.
   */
  private MetricDatum datum(KplMetric metric, Instant timestamp) {
    List<Dimension> dimensions = new ArrayList<>(globalExtras);
    metric.dimensions().forEach((name, value) -> {
      if (value.isBlank()) {
        return;
      }
      dimensions.add(Dimension.builder().name(name).value(value).build());
      if (name.equals(KplMetric.STREAM_NAME)) {
        dimensions.addAll(streamExtras);
      } else if (name.equals(KplMetric.SHARD_ID)) {
        dimensions.addAll(shardExtras);
      }
    });
    return MetricDatum.builder()
        .metricName(metric.name())
        .dimensions(dimensions)
        .unit(StandardUnit.fromValue(metric.unit()))
        .timestamp(timestamp)
        .statisticValues(StatisticSet.builder()
            .sampleCount((double) metric.count())
            .sum(metric.sum())
            .minimum(metric.min())
            .maximum(metric.max())
            .build())
        .build();
  }

  /**
   * An upper bound of a datum's size in a request: as the awsQuery form would write it, the largest of
   * CloudWatch's wire formats (a parameter name per field, every name and value percent-encoded: at most 3 bytes
   * per UTF-8 byte); JSON and CBOR are smaller.
   */
  static int estimatedBytes(MetricDatum datum) {
    int bytes = 40 + 3 * utf8Length(datum.metricName()) // &MetricData.member.1000.MetricName=...
        + 4 * 80 // &MetricData.member.1000.StatisticValues.SampleCount=... and the three others
        + 45 + 70; // the unit and the timestamp
    for (Dimension dimension : datum.dimensions()) {
      // &MetricData.member.1000.Dimensions.member.30.Name=...&MetricData.member.1000.Dimensions.member.30.Value=...
      bytes += 2 * 52 + 3 * (utf8Length(dimension.name()) + utf8Length(dimension.value()));
    }
    return bytes;
  }

  static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
