package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The KPL's metrics from kpl-codec's events, on a fake clock: names, dimensions in the KPL's order, statistics,
 * the KPL's zero data points, windows, and drains that lose nothing under concurrent events.
 */
class KplMetricsTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
  private final KplMetrics metrics = new KplMetrics(now::get);

  private void advanceSeconds(long seconds) {
    now.addAndGet(TimeUnit.SECONDS.toNanos(seconds));
  }

  private static KplMetric only(List<KplMetric> list, Map<String, String> dimensions) {
    List<KplMetric> matching = list.stream().filter(m -> m.dimensions().equals(dimensions)).toList();
    assertEquals(1, matching.size(), list.toString());
    return matching.get(0);
  }

  @Test
  void eachEventIsRecordedAtEveryGranularityWithItsStatistics() {
    metrics.userRecordPut("orders", "shardId-000000000001", 100, Duration.ofMillis(40), 1);
    metrics.userRecordPut("orders", "shardId-000000000001", 300, Duration.ofMillis(80), 3);
    metrics.userRecordPut("orders", "shardId-000000000002", 200, Duration.ofMillis(60), 1);

    List<KplMetric> data = metrics.sinceStart("UserRecordsDataPut");
    assertEquals(4, data.size(), "producer, stream, two shards: " + data);
    KplMetric all = only(data, Map.of());
    assertEquals(600, all.sum());
    assertEquals(3, all.count());
    assertEquals(200, all.mean());
    assertEquals(100, all.min());
    assertEquals(300, all.max());
    assertEquals(KplMetric.Granularity.GLOBAL, all.granularity());
    assertEquals(600, only(data, Map.of("StreamName", "orders")).sum());
    assertEquals(KplMetric.Granularity.STREAM, only(data, Map.of("StreamName", "orders")).granularity());
    KplMetric shard = only(data, Map.of("StreamName", "orders", "ShardId", "shardId-000000000001"));
    assertEquals(400, shard.sum());
    assertEquals(KplMetric.Granularity.SHARD, shard.granularity());
    assertEquals(List.of("StreamName", "ShardId"), List.copyOf(shard.dimensions().keySet()), "the KPL's order");
    assertEquals(2, only(metrics.sinceStart("RetriesPerRecord"), Map.of()).sum());
    assertEquals(80, only(metrics.sinceStart("BufferingTime"), Map.of()).max());
  }

  @Test
  void errorsAreCountedByCodeInTheKplsOrderAndExpiryByStream() {
    metrics.kinesisRecordFailed("orders", "shardId-000000000001", "ProvisionedThroughputExceededException");
    metrics.putRecordsCall("orders", 7, 70, Duration.ofMillis(12), "InternalFailure");
    metrics.userRecordFailed("orders", KinesisProducerException.Reason.RECORD_TIMEOUT, 4);
    metrics.userRecordFailed("orders", KinesisProducerException.Reason.NOT_RETRYABLE, 1);

    List<KplMetric> byCode = metrics.sinceStart("ErrorsByCode");
    assertEquals(2, only(byCode, Map.of()).sum(), "the KPL's root of the tree, over every code");
    assertEquals(1, only(byCode, Map.of("ErrorCode", "ProvisionedThroughputExceededException")).sum());
    assertEquals(1, only(byCode, Map.of("ErrorCode", "InternalFailure", "StreamName", "orders")).sum(),
        "a failed call is one error, as in the KPL");
    KplMetric shard = only(byCode, Map.of("ErrorCode", "ProvisionedThroughputExceededException",
        "StreamName", "orders", "ShardId", "shardId-000000000001"));
    assertEquals(List.of("ErrorCode", "StreamName", "ShardId"), List.copyOf(shard.dimensions().keySet()),
        "the KPL's finder: error code, then stream, then shard");
    assertEquals(KplMetric.Granularity.SHARD, shard.granularity());
    assertEquals(KplMetric.Granularity.GLOBAL,
        only(byCode, Map.of("ErrorCode", "InternalFailure")).granularity());
    assertEquals(6, byCode.size(), "the root, 2 codes, 2 codes with the stream, 1 with the shard: " + byCode);
    assertEquals(2, only(metrics.sinceStart("AllErrors"), Map.of()).sum());
    assertEquals(1, only(metrics.sinceStart("UserRecordExpired"), Map.of("StreamName", "orders")).sum());
    assertEquals(12, only(metrics.sinceStart("RequestTime"), Map.of()).max());
    KplMetric put = only(metrics.sinceStart("UserRecordsPut"), Map.of());
    assertEquals(0, put.sum(), "failed user records count 0, as in the KPL");
    assertEquals(2, put.count());
    assertEquals(3, only(metrics.sinceStart("RetriesPerRecord"), Map.of()).sum());
    KplMetric kinesisPut = only(metrics.sinceStart("KinesisRecordsPut"),
        Map.of("StreamName", "orders", "ShardId", "shardId-000000000001"));
    assertEquals(0, kinesisPut.sum());
    assertEquals(1, kinesisPut.count());
  }

  @Test
  void aStoredKinesisRecordCountsZeroErrorsAndItsUserRecords() {
    metrics.kinesisRecordPut("orders", "shardId-000000000000", 5000, 40);
    metrics.kinesisRecordPut("orders", "shardId-000000000000", 1000, 10);
    KplMetric errors = only(metrics.sinceStart("AllErrors"), Map.of());
    assertEquals(0, errors.sum());
    assertEquals(2, errors.count());
    assertEquals(50, only(metrics.sinceStart("UserRecordsPerKinesisRecord"), Map.of()).sum());
    assertEquals(6000, only(metrics.sinceStart("KinesisRecordsDataPut"), Map.of("StreamName", "orders")).sum());
    assertEquals(List.of(), metrics.sinceStart("ErrorsByCode"));
  }

  @Test
  void pendingSamplesAreKeptPerStream() {
    metrics.userRecordsPending("orders", 10);
    metrics.userRecordsPending("orders", 30);
    metrics.userRecordsPending("payments", 5);
    KplMetric orders = only(metrics.sinceStart("UserRecordsPending"), Map.of("StreamName", "orders"));
    assertEquals(20, orders.mean());
    assertEquals(30, orders.max());
    assertEquals(3, only(metrics.sinceStart("UserRecordsPending"), Map.of()).count());
  }

  @Test
  void aWindowHoldsTheLastSecondsOnlyAndTheCumulativeFormEverything() {
    metrics.userRecordReceived("orders");
    advanceSeconds(30);
    metrics.userRecordReceived("orders");
    metrics.userRecordReceived("orders");
    advanceSeconds(40); // the first record is now 70 s old

    assertEquals(3, only(metrics.sinceStart("UserRecordsReceived"), Map.of()).sum());
    assertEquals(Duration.ofSeconds(71), only(metrics.sinceStart("UserRecordsReceived"), Map.of()).duration());
    KplMetric minute = only(metrics.lastSeconds("UserRecordsReceived", 60), Map.of());
    assertEquals(2, minute.sum());
    assertEquals(Duration.ofSeconds(60), minute.duration());
    assertEquals(2, only(metrics.lastSeconds("UserRecordsReceived", 600), Map.of()).sum(), "capped at 60 s");
    assertEquals(List.of(), metrics.lastSeconds("UserRecordsReceived", 10), "nothing in the last 10 s");

    advanceSeconds(20); // second 90 takes the slot of second 30: its old data must not come back
    metrics.userRecordReceived("orders");
    assertEquals(1, only(metrics.lastSeconds("UserRecordsReceived", 60), Map.of()).sum());
    assertEquals(1, only(metrics.lastSeconds(null, 0), Map.of()).sum(), "0 counts as 1 s, null as every name");
    assertEquals(List.of(), metrics.sinceStart("NoSuchMetric"));
  }

  @Test
  void aDrainHoldsWhatCameSinceThePreviousOneAndNothingTwice() {
    metrics.userRecordReceived("orders");
    advanceSeconds(5);
    metrics.userRecordReceived("orders");
    List<KplMetric> first = metrics.drain();
    assertEquals(2, first.size(), "producer and stream: " + first);
    assertEquals(2, only(first, Map.of()).sum());
    assertEquals(Duration.ofSeconds(5), only(first, Map.of()).duration());

    assertEquals(List.of(), metrics.drain(), "nothing new");
    advanceSeconds(7);
    metrics.userRecordReceived("payments");
    List<KplMetric> second = metrics.drain();
    assertEquals(1, only(second, Map.of()).sum());
    assertEquals(1, only(second, Map.of("StreamName", "payments")).sum());
    assertEquals(2, second.size(), "orders had nothing in this interval: " + second);
    assertEquals(Duration.ofSeconds(7), only(second, Map.of()).duration());
    assertEquals(3, only(metrics.sinceStart("UserRecordsReceived"), Map.of()).sum(), "drains leave the totals");
  }

  @Test
  void drainsConcurrentWithEventsLoseNoDataPoint() throws Exception {
    KplMetrics real = new KplMetrics();
    int threads = 4;
    int perThread = 50_000;
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> adders = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      String shard = "shardId-00000000000" + t;
      Thread thread = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < perThread; i++) {
          real.userRecordPut("orders", shard, 10, Duration.ofMillis(1), 1);
        }
      });
      thread.start();
      adders.add(thread);
    }
    double drained = 0;
    long drainedCount = 0;
    start.countDown();
    boolean alive = true;
    while (alive) {
      alive = false;
      for (Thread thread : adders) {
        alive |= thread.isAlive();
      }
      for (KplMetric m : real.drain()) {
        if (m.name().equals("UserRecordsDataPut") && m.dimensions().isEmpty()) {
          drained += m.sum();
          drainedCount += m.count();
        }
      }
    }
    for (Thread thread : adders) {
      thread.join();
    }
    for (KplMetric m : real.drain()) {
      if (m.name().equals("UserRecordsDataPut") && m.dimensions().isEmpty()) {
        drained += m.sum();
        drainedCount += m.count();
      }
    }
    assertEquals((long) threads * perThread, drainedCount);
    assertEquals(10.0 * threads * perThread, drained);
  }

  @Test
  void levelsAndUnitsAreTheKpls() {
    KplMetric put = new KplMetric("UserRecordsPut", Map.of(), 1, 1, 1, 1, Duration.ofSeconds(1));
    assertEquals(KplMetric.Level.SUMMARY, put.level());
    assertEquals("Count", put.unit());
    KplMetric data = new KplMetric("UserRecordsDataPut", Map.of(), 1, 1, 1, 1, Duration.ofSeconds(1));
    assertEquals(KplMetric.Level.DETAILED, data.level());
    assertEquals("Bytes", data.unit());
    assertEquals("Milliseconds", new KplMetric("BufferingTime", Map.of(), 1, 1, 1, 1, Duration.ZERO).unit());
    assertEquals(KplMetric.Level.SUMMARY,
        new KplMetric("BufferingTime", Map.of(), 1, 1, 1, 1, Duration.ZERO).level());
    assertEquals("Milliseconds", new KplMetric("RequestTime", Map.of(), 1, 1, 1, 1, Duration.ZERO).unit());
    assertEquals("None", new KplMetric("Custom", Map.of(), 1, 1, 1, 1, Duration.ZERO).unit());

    assertEquals(KplMetric.Level.NONE, KplMetric.Level.fromKpl(" None "));
    assertEquals(KplMetric.Granularity.SHARD, KplMetric.Granularity.fromKpl("shard"));
    assertEquals("MetricsLevel must be one of none, summary, detailed, got verbose",
        assertThrows(IllegalArgumentException.class, () -> KplMetric.Level.fromKpl("verbose")).getMessage());
    assertEquals("MetricsGranularity must be one of global, stream, shard, got host",
        assertThrows(IllegalArgumentException.class, () -> KplMetric.Granularity.fromKpl("host")).getMessage());
    assertEquals("count must be at least 1, got 0", assertThrows(IllegalArgumentException.class,
        () -> new KplMetric("UserRecordsPut", Map.of(), 0, 0, 0, 0, Duration.ZERO)).getMessage());
  }
}
