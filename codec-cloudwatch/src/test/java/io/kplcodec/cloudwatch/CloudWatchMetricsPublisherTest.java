package io.kplcodec.cloudwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.aws.KinesisProducerException;
import io.kplcodec.aws.KplMetric;
import io.kplcodec.aws.KplMetrics;
import io.kplcodec.cloudwatch.FakeCloudWatch.Datum;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;

/**
 * The publisher against {@link FakeCloudWatch} through a real SDK v2 {@code CloudWatchAsyncClient}: what each
 * PutMetricData request holds (names, units, dimensions per level and granularity, statistics equal to the events
 * fed in, timestamps), batching, failures (error answers, refused connections) that neither block nor lose data, the
 * bound on unsent data, and close. Uploads are driven by {@link CloudWatchMetricsPublisher#flush()}; the schedule by
 * a short interval.
 */
class CloudWatchMetricsPublisherTest {
  private static final String SHARD_1 = "shardId-000000000001";
  private static final String SHARD_2 = "shardId-000000000002";
  private static final Set<String> SUMMARY = Set.of("UserRecordsPut", "KinesisRecordsPut", "ErrorsByCode",
      "AllErrors", "UserRecordExpired", "BufferingTime");

  // One of each for the class: closing an SDK client waits for its event loop's quiet period.
  private static FakeCloudWatch fake;
  private static CloudWatchAsyncClient client;

  @BeforeAll
  static void start() throws Exception {
    fake = FakeCloudWatch.start();
    client = fake.client();
  }

  @AfterAll
  static void stop() {
    client.close();
    fake.close();
  }

  @BeforeEach
  void resetTheFake() {
    fake.reset();
  }

  @AfterEach
  void everyRequestWasPutMetricDataInTheSdksProtocol() {
    assertEquals(List.of(), fake.protocolErrors(), "every request was Smithy RPC v2 CBOR PutMetricData");
  }

  private CloudWatchMetricsPublisher.Builder publisher() {
    return CloudWatchMetricsPublisher.builder(client).uploadInterval(Duration.ofHours(1));
  }

  /** What a producer would report for three user records in two shards, two aggregates, one call, one refusal. */
  private static void feed(CloudWatchMetricsPublisher metrics) {
    for (int i = 0; i < 3; i++) {
      metrics.userRecordReceived("orders");
    }
    metrics.userRecordPut("orders", SHARD_1, 100, Duration.ofMillis(40), 1);
    metrics.userRecordPut("orders", SHARD_1, 300, Duration.ofMillis(80), 3);
    metrics.userRecordPut("orders", SHARD_2, 200, Duration.ofMillis(60), 1);
    metrics.kinesisRecordPut("orders", SHARD_1, 450, 2);
    metrics.kinesisRecordPut("orders", SHARD_2, 230, 1);
    metrics.putRecordsCall("orders", 2, 3, Duration.ofMillis(25), null);
    metrics.kinesisRecordFailed("orders", SHARD_2, "ProvisionedThroughputExceededException");
  }

  private static Datum only(List<Datum> datums, String name, Map<String, String> dimensions) {
    List<Datum> matching = datums.stream()
        .filter(d -> d.name().equals(name) && d.dimensions().equals(dimensions)).toList();
    assertEquals(1, matching.size(), name + " " + dimensions + " in " + datums);
    return matching.get(0);
  }

  private static void assertStatistics(Datum datum, double count, double sum, double min, double max) {
    assertEquals(count, datum.sampleCount(), datum.toString());
    assertEquals(sum, datum.sum(), datum.toString());
    assertEquals(min, datum.min(), datum.toString());
    assertEquals(max, datum.max(), datum.toString());
  }

  @Test
  void aDetailedShardUploadHasEveryMetricWithItsUnitDimensionsAndStatistics() {
    Instant before = Instant.now();
    try (CloudWatchMetricsPublisher publisher = publisher().build()) {
      feed(publisher);
      publisher.flush().join();
      Instant after = Instant.now();

      assertEquals(1, fake.accepted().size());
      assertEquals("KinesisProducerLibrary", fake.accepted().get(0).namespace(), "the KPL's default namespace");
      List<Datum> datums = fake.datums();
      Datum dataPut = only(datums, "UserRecordsDataPut", Map.of());
      assertEquals("Bytes", dataPut.unit());
      assertStatistics(dataPut, 3, 600, 100, 300);
      assertStatistics(only(datums, "UserRecordsDataPut", Map.of("StreamName", "orders")), 3, 600, 100, 300);
      Datum shard1 = only(datums, "UserRecordsDataPut", Map.of("StreamName", "orders", "ShardId", SHARD_1));
      assertStatistics(shard1, 2, 400, 100, 300);
      assertEquals(List.of("StreamName", "ShardId"), List.copyOf(shard1.dimensions().keySet()));
      Datum buffering = only(datums, "BufferingTime", Map.of());
      assertEquals("Milliseconds", buffering.unit());
      assertStatistics(buffering, 3, 180, 40, 80);
      assertEquals("Milliseconds", only(datums, "RequestTime", Map.of()).unit());
      assertStatistics(only(datums, "RequestTime", Map.of("StreamName", "orders")), 1, 25, 25, 25);
      Datum received = only(datums, "UserRecordsReceived", Map.of("StreamName", "orders"));
      assertEquals("Count", received.unit());
      assertStatistics(received, 3, 3, 1, 1);
      assertStatistics(only(datums, "RetriesPerRecord", Map.of()), 3, 2, 0, 2);
      assertStatistics(only(datums, "KinesisRecordsPut", Map.of("StreamName", "orders", "ShardId", SHARD_2)),
          2, 1, 0, 1); // one stored, one refused: the KPL's 1 and 0
      assertStatistics(only(datums, "KinesisRecordsDataPut", Map.of()), 2, 680, 230, 450);
      assertStatistics(only(datums, "UserRecordsPerKinesisRecord", Map.of()), 2, 3, 1, 2);
      assertStatistics(only(datums, "AllErrors", Map.of()), 3, 1, 0, 1);
      Datum byCode = only(datums, "ErrorsByCode", Map.of("ErrorCode", "ProvisionedThroughputExceededException",
          "StreamName", "orders", "ShardId", SHARD_2));
      assertEquals(List.of("ErrorCode", "StreamName", "ShardId"), List.copyOf(byCode.dimensions().keySet()));
      assertStatistics(byCode, 1, 1, 1, 1);
      assertStatistics(only(datums, "ErrorsByCode", Map.of()), 1, 1, 1, 1);
      for (Datum datum : datums) {
        assertFalse(datum.timestamp().isBefore(before.minusMillis(1)) || datum.timestamp().isAfter(after),
            datum.toString());
      }
      Set<String> names = new HashSet<>();
      datums.forEach(d -> names.add(d.name()));
      assertEquals(Set.of("UserRecordsReceived", "UserRecordsPut", "UserRecordsDataPut", "BufferingTime",
          "RetriesPerRecord", "KinesisRecordsPut", "KinesisRecordsDataPut", "AllErrors",
          "UserRecordsPerKinesisRecord", "RequestTime", "KinesisRecordsPerPutRecordsRequest",
          "UserRecordsPerPutRecordsRequest", "ErrorsByCode"), names);
      // 13 metrics at 3-4 sets of dimensions each: nothing repeated, nothing left out.
      assertEquals(publisher.metrics().sinceStart(null).size(), datums.size());

      publisher.flush().join();
      assertEquals(1, fake.accepted().size(), "nothing new: no request");
      assertEquals(new CloudWatchMetricsPublisher.Counters(1, 0, datums.size(), 0, 0, 0), publisher.counters());
    }
  }

  @Test
  void theSummaryLevelUploadsOnlyTheKplsSummaryMetricsAndNoneNothing() {
    try (CloudWatchMetricsPublisher publisher = publisher().level(KplMetric.Level.SUMMARY).build()) {
      feed(publisher);
      publisher.flush().join();
    }
    Set<String> names = new HashSet<>();
    fake.datums().forEach(d -> names.add(d.name()));
    assertEquals(Set.of("UserRecordsPut", "KinesisRecordsPut", "ErrorsByCode", "AllErrors", "BufferingTime"), names,
        "the summary metrics fed (no UserRecordExpired: none expired)");
    assertTrue(SUMMARY.containsAll(names));

    int before = fake.attempts();
    try (CloudWatchMetricsPublisher publisher = publisher().level(KplMetric.Level.NONE).build()) {
      feed(publisher);
      publisher.flush().join();
      assertFalse(publisher.metrics().sinceStart("UserRecordsPut").isEmpty(), "still counted locally");
    }
    assertEquals(before, fake.attempts(), "MetricsLevel none: no request at all");
  }

  @Test
  void theGranularityLeavesOutTheFinerDimensions() {
    try (CloudWatchMetricsPublisher publisher = publisher().granularity(KplMetric.Granularity.STREAM).build()) {
      feed(publisher);
      publisher.flush().join();
    }
    List<Datum> stream = fake.datums();
    assertTrue(stream.stream().noneMatch(d -> d.dimensions().containsKey("ShardId")), stream.toString());
    assertStatistics(only(stream, "UserRecordsPut", Map.of("StreamName", "orders")), 3, 3, 1, 1);
    only(stream, "ErrorsByCode", Map.of("ErrorCode", "ProvisionedThroughputExceededException", "StreamName", "orders"));

    int streamCount = stream.size();
    try (CloudWatchMetricsPublisher publisher = publisher().granularity(KplMetric.Granularity.GLOBAL).build()) {
      feed(publisher);
      publisher.flush().join();
    }
    List<Datum> global = fake.datums().subList(streamCount, fake.datums().size());
    assertTrue(global.stream().noneMatch(d -> d.dimensions().containsKey("StreamName")), global.toString());
    assertStatistics(only(global, "UserRecordsDataPut", Map.of()), 3, 600, 100, 300);
    only(global, "ErrorsByCode", Map.of("ErrorCode", "ProvisionedThroughputExceededException"));
    only(global, "ErrorsByCode", Map.of());
  }

  @Test
  void additionalDimensionsGoWhereTheKplPutsThem() {
    try (CloudWatchMetricsPublisher publisher = publisher().namespace("Orders/Producer")
        .additionalDimension("Host", "host-1", KplMetric.Granularity.GLOBAL)
        .additionalDimension("Application", "orders-app", KplMetric.Granularity.STREAM)
        .additionalDimension("Rack", "r7", KplMetric.Granularity.SHARD)
        .build()) {
      feed(publisher);
      publisher.flush().join();
    }
    assertEquals("Orders/Producer", fake.accepted().get(0).namespace());
    for (Datum datum : fake.datums()) {
      List<String> keys = List.copyOf(datum.dimensions().keySet());
      assertEquals("Host", keys.get(0), datum.toString());
      int stream = keys.indexOf("StreamName");
      assertEquals(stream < 0 ? -1 : stream + 1, keys.indexOf("Application"), datum.toString());
      int shard = keys.indexOf("ShardId");
      assertEquals(shard < 0 ? -1 : shard + 1, keys.indexOf("Rack"), datum.toString());
    }
    Datum shard = only(fake.datums(), "UserRecordsPut", Map.of("Host", "host-1", "StreamName", "orders",
        "Application", "orders-app", "ShardId", SHARD_1, "Rack", "r7"));
    assertStatistics(shard, 2, 2, 1, 1);
    only(fake.datums(), "UserRecordsPut", Map.of("Host", "host-1"));
  }

  @Test
  void moreThanAThousandDatumsGoInSeveralRequestsNoneLostNorRepeated() {
    try (CloudWatchMetricsPublisher publisher = publisher().build()) {
      for (int shard = 0; shard < 400; shard++) {
        publisher.kinesisRecordPut("orders", String.format("shardId-%012d", shard), 1000 + shard, 1 + shard % 5);
      }
      publisher.flush().join();
      int expected = 4 * (400 + 2); // four metrics per shard, stream and producer
      assertEquals(expected, publisher.counters().datumsUploaded());
    }
    List<FakeCloudWatch.Request> requests = fake.accepted();
    assertEquals(2, requests.size(), "1,608 datums: 1,000 and 608");
    // Sent together: they may arrive in either order.
    assertEquals(List.of(608, 1000), requests.stream().map(r -> r.datums().size()).sorted().toList());
    for (FakeCloudWatch.Request request : requests) {
      assertTrue(request.gzipped(), "the SDK compresses PutMetricData above 10 KB: the fake read gzip");
      assertTrue(request.bodyBytes() < 1_000_000, request.bodyBytes() + " bytes");
    }
    Set<String> series = new HashSet<>();
    for (Datum datum : fake.datums()) {
      assertTrue(series.add(datum.name() + datum.dimensions()), "repeated: " + datum);
    }
    assertStatistics(only(fake.datums(), "KinesisRecordsDataPut", Map.of()), 400, 400 * 1000 + 399 * 200, 1000, 1399);
    assertStatistics(only(fake.datums(), "KinesisRecordsDataPut",
        Map.of("StreamName", "orders", "ShardId", "shardId-000000000399")), 1, 1399, 1399, 1399);
  }

  @Test
  void largeDatumsAreSplitByTheRequestSizeLimit() {
    CloudWatchMetricsPublisher.Builder builder = publisher();
    for (int i = 0; i < 27; i++) {
      builder.additionalDimension("Dimension" + i, ("value " + i + " ").repeat(200).substring(0, 1024),
          KplMetric.Granularity.GLOBAL);
    }
    try (CloudWatchMetricsPublisher publisher = builder.build()) {
      for (int shard = 0; shard < 20; shard++) {
        publisher.userRecordPut("orders", "shardId-" + shard, 10, Duration.ofMillis(1), 1);
      }
      publisher.flush().join();
      assertEquals(4 * 22, publisher.counters().datumsUploaded());
    }
    List<FakeCloudWatch.Request> requests = fake.accepted();
    assertTrue(requests.size() >= 2, "88 datums of about 28 KB each cannot go in one 1 MB request");
    for (FakeCloudWatch.Request request : requests) {
      assertTrue(request.bodyBytes() < 1_000_000, request.bodyBytes() + " bytes");
      assertTrue(request.datums().size() < 1000);
      for (Datum datum : request.datums()) {
        assertTrue(datum.dimensions().size() <= 30, datum.dimensions().size() + " dimensions");
      }
    }
    assertEquals(88, fake.datums().size());
    Datum shard = fake.datums().stream().filter(d -> d.name().equals("UserRecordsPut")
        && "shardId-3".equals(d.dimensions().get("ShardId"))).findFirst().orElseThrow();
    assertEquals(29, shard.dimensions().size(), "27 extra, the stream and the shard");
  }

  @Test
  void failedUploadsNeitherBlockNorThrowAndTheirDataGoesNextInterval() {
    fake.fail(500, 1);
    try (CloudWatchMetricsPublisher publisher = publisher().build()) {
      feed(publisher);
      publisher.flush().join(); // answered 500
      CloudWatchMetricsPublisher.Counters afterFailure = publisher.counters();
      assertEquals(1, afterFailure.failedRequests());
      assertEquals(0, afterFailure.datumsUploaded());
      int firstInterval = afterFailure.datumsQueued();
      assertTrue(firstInterval > 30, afterFailure.toString());
      assertEquals(0, fake.accepted().size());

      feed(publisher); // the next interval: same events again
      publisher.flush().join();
      CloudWatchMetricsPublisher.Counters counters = publisher.counters();
      assertEquals(2 * firstInterval, counters.datumsUploaded(), counters.toString());
      assertEquals(0, counters.datumsQueued());
    }
    // Both intervals' data arrived: the sum over the accepted datums is twice the events.
    double put = fake.datums().stream().filter(d -> d.name().equals("UserRecordsPut") && d.dimensions().isEmpty())
        .mapToDouble(Datum::sum).sum();
    assertEquals(6, put);
    List<Datum> producerLevel = fake.datums().stream()
        .filter(d -> d.name().equals("UserRecordsPut") && d.dimensions().isEmpty()).toList();
    assertEquals(2, producerLevel.size(), "one datum per interval, each with its own timestamp");
    assertTrue(!producerLevel.get(0).timestamp().isAfter(producerLevel.get(1).timestamp()), "oldest sent first");
  }

  @Test
  void aRefusedConnectionNeitherBlocksTheProducerNorLosesTheData() throws Exception {
    fake.stopListening();
    try (CloudWatchMetricsPublisher publisher = publisher().uploadInterval(Duration.ofMillis(100)).build()) {
      long start = System.nanoTime();
      for (int i = 0; i < 100_000; i++) {
        publisher.userRecordPut("orders", SHARD_1, 10, Duration.ofMillis(1), 1);
        publisher.userRecordReceived("orders");
      }
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(tookMillis < 5_000, "events never wait for uploads: " + tookMillis + " ms");
      awaitTrue(() -> publisher.counters().failedRequests() >= 2, "scheduled uploads failed, connection refused");
      assertEquals(0, publisher.counters().datumsUploaded());

      fake.listenAgain();
      awaitTrue(() -> publisher.counters().datumsQueued() == 0 && publisher.counters().datumsUploaded() > 0,
          "uploaded by the schedule once CloudWatch is back");
    }
    double received = fake.datums().stream()
        .filter(d -> d.name().equals("UserRecordsReceived") && d.dimensions().isEmpty())
        .mapToDouble(Datum::sum).sum();
    assertEquals(100_000, received, "every event of the outage arrived");
  }

  @Test
  void unsentDataIsBoundedTheOldestDroppedAndCounted() {
    fake.fail(503, -1);
    try (CloudWatchMetricsPublisher publisher = publisher().granularity(KplMetric.Granularity.GLOBAL)
        .maxBufferedDatums(5).build()) {
      for (int interval = 1; interval <= 4; interval++) {
        publisher.userRecordReceived("orders"); // one datum per interval at global granularity
        publisher.metrics().userRecordsPending("orders", interval);
        publisher.flush().join();
      }
      CloudWatchMetricsPublisher.Counters counters = publisher.counters();
      assertEquals(5, counters.datumsQueued(), counters.toString());
      assertEquals(3, counters.datumsDropped(), "8 datums made, 5 kept: " + counters);
      assertEquals(4, counters.failedRequests());

      fake.succeed();
      publisher.flush().join();
      assertEquals(5, publisher.counters().datumsUploaded());
    }
    List<Datum> pending = fake.datums().stream().filter(d -> d.name().equals("UserRecordsPending")).toList();
    assertEquals(List.of(2.0, 3.0, 4.0), pending.stream().map(Datum::sum).toList(), "the oldest were dropped");
  }

  @Test
  void anInvalidRequestIsNotSentAgain() {
    fake.fail(400, 1);
    try (CloudWatchMetricsPublisher publisher = publisher().build()) {
      feed(publisher);
      publisher.flush().join();
      CloudWatchMetricsPublisher.Counters counters = publisher.counters();
      assertEquals(1, counters.failedRequests());
      assertEquals(0, counters.datumsQueued(), counters.toString());
      assertTrue(counters.datumsRejected() > 30, counters.toString());
      publisher.flush().join();
    }
    assertEquals(List.of(), fake.accepted());
  }

  @Test
  void closeUploadsWhatIsLeftOnceAndStopsTheThread() {
    Set<Thread> others = new HashSet<>(uploadThreads());
    CloudWatchMetricsPublisher publisher = publisher().build(); // hourly: only close() uploads
    List<Thread> mine = uploadThreads().stream().filter(t -> !others.contains(t)).toList();
    assertEquals(1, mine.size(), "one thread of its own");
    assertTrue(mine.get(0).isDaemon());
    feed(publisher);
    publisher.close();
    assertEquals(1, fake.accepted().size());
    only(fake.datums(), "UserRecordsPut", Map.of());
    publisher.userRecordReceived("orders"); // after close: counted, never uploaded
    publisher.close();
    assertEquals(1, fake.attempts());
    assertTrue(publisher.flush().isDone());
    awaitTrue(() -> !mine.get(0).isAlive(), "the publisher's thread ended");
  }

  @Test
  void closeGivesUpAfterItsTimeoutOnAnEndpointThatNeverAnswers() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        CloudWatchAsyncClient slow = FakeCloudWatch.client(URI.create("http://127.0.0.1:" + silent.getLocalPort()))) {
      CloudWatchMetricsPublisher publisher = CloudWatchMetricsPublisher.builder(slow)
          .closeTimeout(Duration.ofMillis(300)).build();
      feed(publisher);
      long start = System.nanoTime();
      publisher.close();
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(tookMillis < 3_000, "close() is bounded: " + tookMillis + " ms");
    }
  }

  @Test
  void uploadsRunOnTheirOwnAtEachInterval() {
    try (CloudWatchMetricsPublisher publisher = publisher().uploadInterval(Duration.ofMillis(100)).build()) {
      publisher.userRecordReceived("orders");
      awaitTrue(() -> received() == 1, "the first interval's upload");
      int first = fake.accepted().size();
      publisher.userRecordReceived("orders");
      publisher.userRecordReceived("orders");
      awaitTrue(() -> received() == 3, "a later interval's upload");
      publisher.userRecordFailed("orders", KinesisProducerException.Reason.RECORD_TIMEOUT, 2);
      awaitTrue(() -> fake.datums().stream().anyMatch(d -> d.name().equals("UserRecordExpired")), "a later one");
      assertTrue(first >= 1 && fake.accepted().size() >= first + 2, "one request per interval with data");
    }
    assertStatistics(only(fake.datums(), "UserRecordExpired", Map.of("StreamName", "orders")), 1, 1, 1, 1);
  }

  @Test
  void theMetricsGivenAreTheOnesDrained() {
    KplMetrics metrics = new KplMetrics();
    try (CloudWatchMetricsPublisher publisher = publisher().metrics(metrics).build()) {
      metrics.userRecordsPending("orders", 42); // reported straight to the metrics, not through the publisher
      publisher.flush().join();
      assertSame(metrics, publisher.metrics());
    }
    assertStatistics(only(fake.datums(), "UserRecordsPending", Map.of("StreamName", "orders")), 1, 42, 42, 42);
  }

  @Test
  void theBuilderRefusesWhatCloudWatchWould() {
    CloudWatchMetricsPublisher.Builder builder = CloudWatchMetricsPublisher.builder(client);
    assertEquals("namespace must be 1 to 255 characters, not starting with AWS/, got \"AWS/Kinesis\"",
        assertThrows(IllegalArgumentException.class, () -> builder.namespace("AWS/Kinesis")).getMessage());
    assertThrows(IllegalArgumentException.class, () -> builder.namespace(""));
    assertThrows(IllegalArgumentException.class, () -> builder.namespace("n".repeat(256)));
    assertEquals("uploadInterval must be positive, got PT0S",
        assertThrows(IllegalArgumentException.class, () -> builder.uploadInterval(Duration.ZERO)).getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> builder.additionalDimension("", "v", KplMetric.Granularity.GLOBAL));
    assertThrows(IllegalArgumentException.class,
        () -> builder.additionalDimension("k", "v".repeat(1025), KplMetric.Granularity.GLOBAL));
    for (int i = 0; i < 27; i++) {
      builder.additionalDimension("k" + i, "v", KplMetric.Granularity.SHARD);
    }
    assertEquals("at most 27 additional dimensions: CloudWatch takes 30 per datum, and the KPL's own take up to 3",
        assertThrows(IllegalArgumentException.class,
            () -> builder.additionalDimension("k", "v", KplMetric.Granularity.GLOBAL)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> builder.maxBufferedDatums(0));
    assertThrows(IllegalArgumentException.class, () -> builder.closeTimeout(Duration.ofSeconds(-1)));
    assertThrows(NullPointerException.class, () -> CloudWatchMetricsPublisher.builder(null));
  }

  @Test
  void retryingFollowsTheFailure() {
    assertTrue(CloudWatchMetricsPublisher.worthRetrying(new java.io.IOException("connection refused")));
    assertTrue(CloudWatchMetricsPublisher.worthRetrying(status(500)));
    assertTrue(CloudWatchMetricsPublisher.worthRetrying(status(503)));
    assertTrue(CloudWatchMetricsPublisher.worthRetrying(status(429)));
    assertTrue(CloudWatchMetricsPublisher.worthRetrying(status(403)));
    assertFalse(CloudWatchMetricsPublisher.worthRetrying(status(400)));
    assertFalse(CloudWatchMetricsPublisher.worthRetrying(status(413)));
  }

  /** {@code UserRecordsReceived} over the producer, summed over every datum received. */
  private double received() {
    return fake.datums().stream().filter(d -> d.name().equals("UserRecordsReceived") && d.dimensions().isEmpty())
        .mapToDouble(Datum::sum).sum();
  }

  private static software.amazon.awssdk.awscore.exception.AwsServiceException status(int status) {
    return software.amazon.awssdk.awscore.exception.AwsServiceException.builder().statusCode(status).build();
  }

  private static List<Thread> uploadThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("kpl-codec-cloudwatch-")).toList();
  }

  static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
  }
}
