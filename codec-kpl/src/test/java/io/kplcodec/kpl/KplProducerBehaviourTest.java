package io.kplcodec.kpl;

import static io.kplcodec.local.testing.KinesaliteAssumptions.assumeKinesaliteAvailable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import io.kplcodec.local.LocalKinesis;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.kinesis.producer.Attempt;
import software.amazon.kinesis.producer.DaemonException;
import software.amazon.kinesis.producer.FutureTimedOutException;
import software.amazon.kinesis.producer.KinesisProducer;
import software.amazon.kinesis.producer.KinesisProducerConfiguration;
import software.amazon.kinesis.producer.Metric;
import software.amazon.kinesis.producer.UserRecord;
import software.amazon.kinesis.producer.UserRecordFailedException;
import software.amazon.kinesis.producer.UserRecordResult;

/**
 * What the KPL documents, against kinesalite behind {@link HttpsKinesisFront} (which can also refuse every
 * PutRecords call): results, the KPL's argument checks, failures holding their attempts, {@code RecordTtl} expiry,
 * {@code FailIfThrottled}, {@code flushSync}, {@code destroy}, {@code UserRecordTimeoutInMillis}, {@code
 * ReturnUserRecordOnFailure} and the metrics.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KplProducerBehaviourTest {
  private static LocalKinesis kinesalite;
  private static KinesisAsyncClient kinesis;
  private static HttpsKinesisFront front;
  private static int streams;
  private final List<KinesisProducer> producers = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    assumeKinesaliteAvailable();
    kinesalite = LocalKinesis.start();
    kinesis = kinesalite.client();
    front = new HttpsKinesisFront(kinesalite.port(), Path.of("target/behaviour-test"));
  }

  @AfterAll
  static void stop() {
    if (front != null) {
      front.close();
    }
    if (kinesis != null) {
      kinesis.close();
    }
    if (kinesalite != null) {
      kinesalite.close();
    }
  }

  @AfterEach
  void destroyProducers() {
    front.failPutRecords(0, null);
    producers.forEach(KinesisProducer::destroy);
  }

  private static String newStream(int shards) throws Exception {
    String name = "behaviour-" + (++streams);
    LocalKinesis.createStream(kinesis, name, shards);
    return name;
  }

  private static KinesisProducerConfiguration config() {
    return new KinesisProducerConfiguration().setRegion("us-east-1").setKinesisEndpoint("127.0.0.1")
        .setKinesisPort(front.port()).setVerifyCertificate(false).setMetricsLevel("none")
        .setCredentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "secret")));
  }

  private KinesisProducer producer(KinesisProducerConfiguration config) {
    KinesisProducer producer = new KinesisProducer(config);
    producers.add(producer);
    return producer;
  }

  private static ByteBuffer data(String text) {
    return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
  }

  private static Throwable failureOf(ListenableFuture<UserRecordResult> future) throws Exception {
    ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(30, TimeUnit.SECONDS));
    return e.getCause();
  }

  @Test
  void resultsSayWhereEachRecordLandedAndAggregatedRecordsShareASequenceNumber() throws Exception {
    String stream = newStream(2);
    KinesisProducer producer = producer(config());
    List<ListenableFuture<UserRecordResult>> futures = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      futures.add(producer.addUserRecord(stream, "key-" + (i % 4), data("record " + i)));
    }
    futures.add(producer.addUserRecord(new UserRecord(stream, "ehk", "0", data("explicit hash key 0"))));
    producer.flushSync();
    assertEquals(0, producer.getOutstandingRecordsCount());
    assertEquals(0, producer.getOldestRecordTimeInMillis());
    Set<String> sequenceNumbers = new HashSet<>();
    ByteBuffer nothing = null;
    assertTrue(producer.addUserRecord(stream, "null-data", nothing).get(30, TimeUnit.SECONDS).isSuccessful(),
        "null data is sent as empty data, as by the KPL");
    ByteBuffer reused = data("added twice");
    producer.addUserRecord(stream, "reused", reused);
    assertEquals(11, reused.remaining(), "the buffer's position is left as it was");
    producer.flushSync();
    for (ListenableFuture<UserRecordResult> future : futures) {
      assertTrue(future.isDone(), "flushSync returned before a future completed");
      UserRecordResult result = future.get();
      assertTrue(result.isSuccessful());
      assertTrue(result.getShardId().startsWith("shardId-"), result.getShardId());
      assertNotNull(result.getSequenceNumber());
      sequenceNumbers.add(result.getSequenceNumber());
      Attempt last = result.getAttempts().get(result.getAttempts().size() - 1);
      assertTrue(last.isSuccessful());
      assertNull(last.getErrorCode());
    }
    assertTrue(sequenceNumbers.size() < 20, "aggregated: " + sequenceNumbers.size() + " Kinesis records");
    assertEquals("shardId-000000000000", futures.get(200).get().getShardId(), "explicit hash key 0: first shard");
  }

  @Test
  void theKplsArgumentChecksWithItsMessages() {
    KinesisProducerConfiguration config = config().setMaxUserRecordSize(1024);
    KinesisProducer producer = producer(config);
    config.setMaxUserRecordSize(2048); // read once, in the constructor: no effect now
    assertEquals("Stream name cannot be null", assertThrows(IllegalArgumentException.class,
        () -> producer.addUserRecord(null, "k", data("x"))).getMessage());
    assertEquals("Stream name cannot be empty", assertThrows(IllegalArgumentException.class,
        () -> producer.addUserRecord(" ", "k", data("x"))).getMessage());
    assertEquals("partitionKey cannot be null", assertThrows(IllegalArgumentException.class,
        () -> producer.addUserRecord("s", null, data("x"))).getMessage());
    assertEquals("Invalid partition key. Length must be at least 1 and at most 256, got 257",
        assertThrows(IllegalArgumentException.class,
            () -> producer.addUserRecord("s", "k".repeat(257), data("x"))).getMessage());
    assertEquals("Partition key must be valid UTF-8", assertThrows(IllegalArgumentException.class,
        () -> producer.addUserRecord("s", "\ud800", data("x"))).getMessage());
    assertEquals("Invalid explicitHashKey, must be an integer, got 1e3", assertThrows(IllegalArgumentException.class,
        () -> producer.addUserRecord("s", "k", "1e3", data("x"))).getMessage());
    assertEquals("Invalid explicitHashKey, must be greater or equal to zero and less than or equal to (2^128 - 1), "
        + "got -1", assertThrows(IllegalArgumentException.class,
            () -> producer.addUserRecord("s", "k", "-1", data("x"))).getMessage());
    assertEquals("Data must be less than or equal to 1024 bytes in size, got 1025 bytes",
        assertThrows(IllegalArgumentException.class,
            () -> producer.addUserRecord("s", "k", ByteBuffer.allocate(1025))).getMessage());
    assertEquals(0, producer.getOutstandingRecordsCount(), "nothing was buffered");
    ByteBuffer data = data("too big with its key");
    assertThrows(IllegalArgumentException.class,
        () -> producer.addUserRecord("s", "k".repeat(1020), data), "data and key together over the limit");
  }

  @Test
  void aRecordThatCannotBePutExpiresAfterRecordTtlWithEveryAttemptsError() throws Exception {
    String stream = newStream(1);
    KinesisProducer producer = producer(config().setRecordTtl(1500).setReturnUserRecordOnFailure(true));
    producer.addUserRecord(stream, "warm-up", data("lists the shards")).get(30, TimeUnit.SECONDS);
    front.failPutRecords(500, "InternalFailure");
    UserRecord record = new UserRecord(stream, "k", data("never put"));
    ListenableFuture<UserRecordResult> future = producer.addUserRecord(record);
    UserRecordFailedException failure = assertInstanceOf(UserRecordFailedException.class, failureOf(future));
    UserRecordResult result = failure.getResult();
    assertFalse(result.isSuccessful());
    assertNull(result.getShardId());
    List<Attempt> attempts = result.getAttempts();
    assertTrue(attempts.size() >= 2, "retried before it expired: " + attempts);
    assertEquals("InternalFailure", attempts.get(0).getErrorCode(), attempts.toString());
    assertEquals("Expired", attempts.get(attempts.size() - 1).getErrorCode(), attempts.toString());
    assertTrue(attempts.get(attempts.size() - 1).getDuration() >= 1500, "the last attempt carries the time taken");
    UserRecord returned = failure.getUserRecord(); // ReturnUserRecordOnFailure: a copy, as the KPL's
    assertEquals(stream, returned.getStreamName());
    assertEquals("k", returned.getPartitionKey());
    assertEquals("never put", StandardCharsets.UTF_8.decode(returned.getData()).toString());
    io.kplcodec.aws.KinesisProducerException cause =
        assertInstanceOf(io.kplcodec.aws.KinesisProducerException.class, failure.getCause());
    assertTrue(cause.mayHaveBeenStored(), "a 500 leaves the outcome unknown");
    assertTrue(sum(producer.getMetrics("UserRecordExpired"), Map.of()) >= 1);
    assertTrue(sum(producer.getMetrics("ErrorsByCode"), Map.of("ErrorCode", "InternalFailure")) >= 1);
  }

  @Test
  void failIfThrottledFailsAThrottledRecordAtOnce() throws Exception {
    String stream = newStream(1);
    KinesisProducer producer = producer(config().setFailIfThrottled(true).setRecordTtl(20_000));
    producer.addUserRecord(stream, "warm-up", data("lists the shards")).get(30, TimeUnit.SECONDS);
    front.failPutRecords(400, "ProvisionedThroughputExceededException");
    long started = System.nanoTime();
    UserRecordFailedException failure = assertInstanceOf(UserRecordFailedException.class,
        failureOf(producer.addUserRecord(stream, "k", data("throttled"))));
    assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10), "failed well before RecordTtl");
    List<Attempt> attempts = failure.getResult().getAttempts();
    assertEquals("ProvisionedThroughputExceededException", attempts.get(attempts.size() - 1).getErrorCode(),
        attempts.toString());
    assertNull(failure.getUserRecord(), "ReturnUserRecordOnFailure is off");
  }

  @Test
  void recordsForAStreamThatDoesNotExistFailWithTheServicesError() throws Exception {
    KinesisProducer producer = producer(config());
    // The first record starts kpl-codec's producer with its stream; later streams are added to it.
    for (String stream : List.of("no-such-stream-1", "no-such-stream-2")) {
      UserRecordFailedException failure = assertInstanceOf(UserRecordFailedException.class,
          failureOf(producer.addUserRecord(stream, "k", data("x"))));
      List<Attempt> attempts = failure.getResult().getAttempts();
      assertEquals("ResourceNotFoundException", attempts.get(attempts.size() - 1).getErrorCode(), attempts.toString());
    }
    String stream = newStream(1);
    assertTrue(producer.addUserRecord(stream, "k", data("x")).get(30, TimeUnit.SECONDS).isSuccessful(),
        "a stream that exists still works");
  }

  @Test
  void destroyFailsOutstandingRecordsAndRefusesNewOnes() throws Exception {
    String stream = newStream(1);
    KinesisProducer producer = producer(config().setRecordMaxBufferedTime(20_000).setRecordTtl(30_000));
    producer.addUserRecord(stream, "warm-up", data("lists the shards"));
    ListenableFuture<UserRecordResult> waiting = producer.addUserRecord(stream, "k", data("buffered for 20 s"));
    producer.destroy();
    assertInstanceOf(DaemonException.class, failureOf(waiting));
    assertEquals(0, producer.getOutstandingRecordsCount());
    assertThrows(DaemonException.class, () -> producer.addUserRecord(stream, "k", data("after destroy")));
  }

  @Test
  void userRecordTimeoutGivesUpOnTheFutureOnly() throws Exception {
    String stream = newStream(1);
    KinesisProducer producer = producer(config().setUserRecordTimeoutInMillis(300).setRecordMaxBufferedTime(5_000));
    producer.addUserRecord(stream, "warm-up", data("lists the shards"));
    ListenableFuture<UserRecordResult> future = producer.addUserRecord(stream, "k", data("slow"));
    assertInstanceOf(FutureTimedOutException.class, failureOf(future));
    producer.flushSync(); // the record itself is still put
    assertEquals(0, producer.getOutstandingRecordsCount());
  }

  @Test
  void metricsHaveTheKplsNamesAndDimensions() throws Exception {
    String stream = newStream(2);
    KinesisProducer producer = producer(config());
    for (int i = 0; i < 100; i++) {
      producer.addUserRecord(stream, "key-" + i, data("record " + i));
    }
    producer.flushSync();
    assertEquals(100, sum(producer.getMetrics("UserRecordsReceived"), Map.of()));
    assertEquals(100, sum(producer.getMetrics("UserRecordsPut"), Map.of()));
    assertEquals(100, sum(producer.getMetrics("UserRecordsPut"), Map.of("StreamName", stream)));
    double perShard = 0;
    for (Metric metric : producer.getMetrics("UserRecordsPut")) {
      if (metric.getDimensions().containsKey("ShardId")) {
        assertEquals(stream, metric.getDimensions().get("StreamName"));
        perShard += metric.getSum();
      }
    }
    assertEquals(100, perShard, "the shard-level metrics add up");
    assertEquals(100, sum(producer.getMetrics("UserRecordsPerKinesisRecord"), Map.of()));
    assertTrue(sum(producer.getMetrics("KinesisRecordsPut", 60), Map.of()) >= 2, "one aggregate per shard at least");
    Metric requestTime = producer.getMetrics("RequestTime", 60).stream()
        .filter(m -> m.getDimensions().isEmpty()).findFirst().orElseThrow();
    assertEquals(60, requestTime.getDuration());
    assertTrue(requestTime.getSampleCount() >= 1 && requestTime.getMin() <= requestTime.getMean()
        && requestTime.getMean() <= requestTime.getMax(), requestTime.toString());
    Set<String> names = new HashSet<>();
    producer.getMetrics().forEach(m -> names.add(m.getName()));
    assertTrue(names.containsAll(Set.of("UserRecordsReceived", "UserRecordsPending", "UserRecordsPut",
        "UserRecordsDataPut", "KinesisRecordsPut", "KinesisRecordsDataPut", "BufferingTime", "RetriesPerRecord",
        "RequestTime", "UserRecordsPerKinesisRecord", "KinesisRecordsPerPutRecordsRequest",
        "UserRecordsPerPutRecordsRequest")), names.toString());
  }

  @Test
  void userRecordsPendingIsCountedPerStream() throws Exception {
    String busy = newStream(1);
    String quiet = newStream(1);
    KinesisProducer producer = producer(config().setRecordMaxBufferedTime(20_000));
    for (int i = 0; i < 5; i++) {
      producer.addUserRecord(busy, "k" + i, data("held for 20 s"));
    }
    producer.addUserRecord(quiet, "k", data("held for 20 s"));
    assertEquals(5, maxOf(producer.getMetrics("UserRecordsPending"), busy));
    assertEquals(1, maxOf(producer.getMetrics("UserRecordsPending"), quiet), "the other stream's records not counted");
    producer.flushSync();
    assertEquals(0, producer.getOutstandingRecordsCount());
  }

  private static double maxOf(List<Metric> metrics, String stream) {
    return metrics.stream().filter(m -> m.getDimensions().equals(Map.of("StreamName", stream)))
        .mapToDouble(Metric::getMax).max().orElseThrow();
  }

  @Test
  void metricsAreUploadedToCloudWatchAsTheConfigurationSays() throws Exception {
    String stream = newStream(2);
    KinesisProducerConfiguration config = config().setMetricsLevel("summary").setMetricsGranularity("stream")
        .setMetricsNamespace("KplCodecTest").setCloudwatchEndpoint("127.0.0.1").setCloudwatchPort(front.port())
        .setMetricsCredentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDMETRICS",
            "secret")));
    config.addAdditionalMetricsDimension("Application", "kpl-codec-test", "global");
    config.addAdditionalMetricsDimension("BlankOne", " ", "stream"); // left out, as the KPL does
    KinesisProducer producer = new KinesisProducer(config);
    for (int i = 0; i < 50; i++) {
      producer.addUserRecord(stream, "key-" + i, data("record " + i));
    }
    producer.flushSync();
    assertEquals(List.of(), front.putMetricDataBodies(), "every other producer here has MetricsLevel none, and "
        + "this one's first interval (60 s) has not passed");
    producer.destroy(); // uploads what is left, once

    List<byte[]> bodies = front.putMetricDataBodies();
    assertEquals(1, bodies.size());
    // CBOR keeps text as UTF-8 bytes: the names and dimensions are readable in the body as they are.
    String body = new String(bodies.get(0), StandardCharsets.UTF_8);
    for (String expected : List.of("KplCodecTest", "UserRecordsPut", "KinesisRecordsPut", "BufferingTime",
        "StatisticValues", "Application", "kpl-codec-test", "StreamName", stream)) {
      assertTrue(body.contains(expected), expected + " missing from " + body);
    }
    for (String absent : List.of("UserRecordsDataPut", "RequestTime", "ShardId", "BlankOne")) {
      assertFalse(body.contains(absent), absent + " uploaded: summary, stream granularity, blank left out");
    }
    assertTrue(front.putMetricDataSignatures().get(0).contains("Credential=AKIDMETRICS/"),
        "signed with MetricsCredentialsProvider: " + front.putMetricDataSignatures());
  }

  @Test
  void flushSyncInACallbackWouldWaitForItselfSoItThrows() throws Exception {
    String stream = newStream(1);
    KinesisProducer producer = producer(config());
    ListenableFuture<UserRecordResult> future = producer.addUserRecord(stream, "k", data("x"));
    List<Throwable> thrown = new ArrayList<>();
    future.addListener(() -> {
      try {
        producer.flushSync();
      } catch (IllegalStateException e) {
        thrown.add(e);
      }
    }, Runnable::run);
    producer.flushSync();
    future.get();
    Thread.sleep(100);
    assertEquals(1, thrown.size(), "flushSync in a callback");
  }

  /** The sum of the metrics with exactly these dimensions. */
  private static double sum(List<Metric> metrics, Map<String, String> dimensions) {
    return metrics.stream().filter(m -> m.getDimensions().equals(dimensions)).mapToDouble(Metric::getSum).sum();
  }
}
