package software.amazon.kinesis.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kplcodec.aws.KplMetric;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * kpl-codec-aws's {@link KplMetric} as the KPL's {@link Metric}: every statistic, the duration in seconds, the
 * dimensions in their order. The aggregation itself is tested in codec-aws ({@code io.kplcodec.aws.KplMetricsTest});
 * {@code KplProducerBehaviourTest} reads the metrics of a producer at work.
 */
class KplMetricsTest {
  @Test
  void aKplMetricBecomesTheKplsMetricWithEveryStatistic() {
    Map<String, String> dimensions = new LinkedHashMap<>();
    dimensions.put("ErrorCode", "InternalFailure");
    dimensions.put("StreamName", "orders");
    dimensions.put("ShardId", "shardId-000000000001");
    Metric metric = Metric.of(new KplMetric("ErrorsByCode", dimensions, 4, 10, 1, 4, Duration.ofMillis(60_400)));

    assertEquals("ErrorsByCode", metric.getName());
    assertEquals(60, metric.getDuration(), "whole seconds");
    assertEquals(List.of("ErrorCode", "StreamName", "ShardId"), List.copyOf(metric.getDimensions().keySet()));
    assertEquals(10, metric.getSum());
    assertEquals(4, metric.getSampleCount());
    assertEquals(2.5, metric.getMean());
    assertEquals(1, metric.getMin());
    assertEquals(4, metric.getMax());
    assertEquals("Metric [name=ErrorsByCode, duration=60, dimensions={ErrorCode=InternalFailure, StreamName=orders, "
        + "ShardId=shardId-000000000001}, sum=10.0, mean=2.5, sampleCount=4.0, min=1.0, max=4.0]", metric.toString());
  }
}
