package software.amazon.kinesis.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kplcodec.aws.KinesisProducerException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The KPL's metrics from kpl-codec's events, on a fake clock: names, dimensions, statistics and windows. */
class KplMetricsTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
  private final KplMetrics metrics = new KplMetrics(now::get);

  private void advanceSeconds(long seconds) {
    now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
  }

  private static Metric only(List<Metric> list, Map<String, String> dimensions) {
    List<Metric> matching = list.stream().filter(m -> m.getDimensions().equals(dimensions)).toList();
    assertEquals(1, matching.size(), list.toString());
    return matching.get(0);
  }

  @Test
  void eachEventIsRecordedAtEveryGranularityWithItsStatistics() {
    metrics.userRecordPut("orders", "shardId-000000000001", 100, Duration.ofMillis(40), 1);
    metrics.userRecordPut("orders", "shardId-000000000001", 300, Duration.ofMillis(80), 3);
    metrics.userRecordPut("orders", "shardId-000000000002", 200, Duration.ofMillis(60), 1);

    List<Metric> data = metrics.snapshot("UserRecordsDataPut", -1);
    assertEquals(4, data.size(), "producer, stream, two shards: " + data);
    Metric all = only(data, Map.of());
    assertEquals(600, all.getSum());
    assertEquals(3, all.getSampleCount());
    assertEquals(200, all.getMean());
    assertEquals(100, all.getMin());
    assertEquals(300, all.getMax());
    assertEquals(600, only(data, Map.of("StreamName", "orders")).getSum());
    Metric shard = only(data, Map.of("StreamName", "orders", "ShardId", "shardId-000000000001"));
    assertEquals(400, shard.getSum());
    assertEquals(List.of("StreamName", "ShardId"), List.copyOf(shard.getDimensions().keySet()), "the KPL's order");
    assertEquals(2, only(metrics.snapshot("RetriesPerRecord", -1), Map.of()).getSum());
    assertEquals(80, only(metrics.snapshot("BufferingTime", -1), Map.of()).getMax());
  }

  @Test
  void errorsAreCountedByCodeAndExpiryByStream() {
    metrics.kinesisRecordFailed("orders", "shardId-000000000001", "ProvisionedThroughputExceededException");
    metrics.putRecordsCall("orders", 7, 70, Duration.ofMillis(12), "InternalFailure");
    metrics.userRecordFailed("orders", KinesisProducerException.Reason.RECORD_TIMEOUT, 4);
    metrics.userRecordFailed("orders", KinesisProducerException.Reason.NOT_RETRYABLE, 1);

    List<Metric> byCode = metrics.snapshot("ErrorsByCode", -1);
    assertEquals(1, only(byCode, Map.of("ErrorCode", "ProvisionedThroughputExceededException")).getSum());
    assertEquals(7, only(byCode, Map.of("StreamName", "orders", "ErrorCode", "InternalFailure")).getSum());
    assertEquals(1, only(byCode, Map.of("StreamName", "orders", "ShardId", "shardId-000000000001",
        "ErrorCode", "ProvisionedThroughputExceededException")).getSum());
    assertEquals(8, only(metrics.snapshot("AllErrors", -1), Map.of()).getSum());
    assertEquals(1, only(metrics.snapshot("UserRecordExpired", -1), Map.of("StreamName", "orders")).getSum());
    assertEquals(12, only(metrics.snapshot("RequestTime", -1), Map.of()).getMax());
  }

  @Test
  void aWindowHoldsTheLastSecondsOnlyAndTheCumulativeFormEverything() {
    metrics.userRecordReceived("orders");
    advanceSeconds(30);
    metrics.userRecordReceived("orders");
    metrics.userRecordReceived("orders");
    advanceSeconds(40); // the first record is now 70 s old

    assertEquals(3, only(metrics.snapshot("UserRecordsReceived", -1), Map.of()).getSum());
    assertEquals(71, only(metrics.snapshot("UserRecordsReceived", -1), Map.of()).getDuration());
    Metric minute = only(metrics.snapshot("UserRecordsReceived", 60), Map.of());
    assertEquals(2, minute.getSum());
    assertEquals(60, minute.getDuration());
    assertEquals(2, only(metrics.snapshot("UserRecordsReceived", 600), Map.of()).getSum(), "capped at 60 s");
    assertEquals(List.of(), metrics.snapshot("UserRecordsReceived", 10), "nothing in the last 10 s");

    advanceSeconds(20); // second 90 takes the slot of second 30: its old data must not come back
    metrics.userRecordReceived("orders");
    assertEquals(1, only(metrics.snapshot("UserRecordsReceived", 60), Map.of()).getSum());
    assertEquals(List.of(), metrics.snapshot("NoSuchMetric", -1));
  }
}
