package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.local.LocalKinesis;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.kinesis.common.ConfigsBuilder;
import software.amazon.kinesis.common.InitialPositionInStream;
import software.amazon.kinesis.common.InitialPositionInStreamExtended;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.lifecycle.events.InitializationInput;
import software.amazon.kinesis.lifecycle.events.LeaseLostInput;
import software.amazon.kinesis.lifecycle.events.ProcessRecordsInput;
import software.amazon.kinesis.lifecycle.events.ShardEndedInput;
import software.amazon.kinesis.lifecycle.events.ShutdownRequestedInput;
import software.amazon.kinesis.metrics.MetricsLevel;
import software.amazon.kinesis.processor.ShardRecordProcessor;
import software.amazon.kinesis.processor.SingleStreamTracker;
import software.amazon.kinesis.retrieval.KinesisClientRecord;
import software.amazon.kinesis.retrieval.polling.PollingConfig;

/**
 * A real KCL 3.5.1 worker (kinesalite for Kinesis, dynalite for its leases) with {@link KclDeaggregator} plugged in
 * through {@code LifecycleConfig.aggregatorUtil}: KCL calls it with each shard's hash range, and the record
 * processor receives every user record the producer put.
 */
class KclWorkerTest {
  private static LocalKinesis kinesalite;
  private static LocalKinesis dynalite;
  private static KinesisAsyncClient kinesis;
  private static DynamoDbAsyncClient dynamoDb;

  @BeforeAll
  static void start() throws Exception {
    kinesalite = Kinesalite.start(null);
    dynalite = Kinesalite.startDynalite();
    kinesis = kinesalite.client();
    dynamoDb = Kinesalite.dynamoClient(dynalite);
  }

  @AfterAll
  static void stop() {
    if (kinesis != null) {
      kinesis.close();
    }
    if (dynamoDb != null) {
      dynamoDb.close();
    }
    if (kinesalite != null) {
      kinesalite.close();
    }
    if (dynalite != null) {
      dynalite.close();
    }
  }

  /** Counts KCL's calls, to show the worker really went through it. */
  static final class CountingDeaggregator extends KclDeaggregator {
    final AtomicLong callsWithShardRange = new AtomicLong();

    CountingDeaggregator() {
      super(io.kplcodec.Deaggregator.builder()
          .hashRangePolicy(io.kplcodec.Deaggregator.HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS).build());
    }

    @Override
    public List<KinesisClientRecord> deaggregate(List<KinesisClientRecord> records, String startingHashKey,
        String endingHashKey) {
      callsWithShardRange.incrementAndGet();
      return super.deaggregate(records, startingHashKey, endingHashKey);
    }
  }

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void aKclWorkerReceivesEveryUserRecordThroughKclDeaggregator() throws Exception {
    String stream = "kcl-orders";
    String application = "kcl-orders-app";
    LocalKinesis.createStream(kinesis, stream, 2);
    int total = 3000;
    List<CompletableFuture<PutResult>> futures = new ArrayList<>();
    try (KinesisProducer producer = KinesisProducer.builder(kinesis, stream).build()) {
      for (int i = 0; i < total; i++) {
        futures.add(producer.add("ключ-" + (i % 50), (i + ";order").getBytes(StandardCharsets.UTF_8)));
      }
    }
    futures.forEach(CompletableFuture::join);

    // KCL 3 looks its leases up by owner through this index; dynalite cannot add it later (UpdateTable), so the
    // lease table is made with it up front, as KCL would make it.
    dynamoDb.createTable(b -> b.tableName(application)
        .attributeDefinitions(
            AttributeDefinition.builder().attributeName("leaseKey").attributeType(ScalarAttributeType.S).build(),
            AttributeDefinition.builder().attributeName("leaseOwner").attributeType(ScalarAttributeType.S).build())
        .keySchema(KeySchemaElement.builder().attributeName("leaseKey").keyType(KeyType.HASH).build())
        .globalSecondaryIndexes(GlobalSecondaryIndex.builder()
            .indexName("LeaseOwnerToLeaseKeyIndex")
            .keySchema(KeySchemaElement.builder().attributeName("leaseOwner").keyType(KeyType.HASH).build(),
                KeySchemaElement.builder().attributeName("leaseKey").keyType(KeyType.RANGE).build())
            .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build())
            .build())
        .billingMode(BillingMode.PAY_PER_REQUEST)).get(10, TimeUnit.SECONDS);

    Map<Integer, String> received = new ConcurrentHashMap<>();
    AtomicLong duplicates = new AtomicLong();
    CountingDeaggregator deaggregator = new CountingDeaggregator();
    CloudWatchAsyncClient cloudWatch = CloudWatchAsyncClient.builder().region(Region.US_EAST_1)
        .endpointOverride(URI.create("http://127.0.0.1:9"))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
    ConfigsBuilder configs = new ConfigsBuilder(
        new SingleStreamTracker(stream,
            InitialPositionInStreamExtended.newInitialPosition(InitialPositionInStream.TRIM_HORIZON)),
        application, kinesis, dynamoDb, cloudWatch, "worker-1", () -> new ShardRecordProcessor() {
          @Override
          public void initialize(InitializationInput input) {}

          @Override
          public void processRecords(ProcessRecordsInput input) {
            for (KinesisClientRecord record : input.records()) {
              byte[] data = new byte[record.data().remaining()];
              record.data().get(data);
              int id = ProducerEndToEndTest.idOf(data);
              if (received.put(id, record.partitionKey()) != null) {
                duplicates.incrementAndGet();
              }
            }
          }

          @Override
          public void leaseLost(LeaseLostInput input) {}

          @Override
          public void shardEnded(ShardEndedInput input) {
            try {
              input.checkpointer().checkpoint();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
          }

          @Override
          public void shutdownRequested(ShutdownRequestedInput input) {}
        });
    // Short intervals, so the worker takes its leases in seconds rather than a minute (test-only settings).
    var leases = configs.leaseManagementConfig().failoverTimeMillis(2000).shardSyncIntervalMillis(5000);
    leases.workerUtilizationAwareAssignmentConfig()
        .inMemoryWorkerMetricsCaptureFrequencyMillis(500)
        .workerMetricsReporterFreqInMillis(1000);
    Scheduler scheduler = new Scheduler(
        configs.checkpointConfig(),
        configs.coordinatorConfig(),
        leases,
        configs.lifecycleConfig().aggregatorUtil(deaggregator),
        configs.metricsConfig().metricsLevel(MetricsLevel.NONE),
        configs.processorConfig(),
        configs.retrievalConfig().retrievalSpecificConfig(
            new PollingConfig(stream, kinesis).idleTimeBetweenReadsInMillis(250)));
    Thread worker = new Thread(scheduler, "kcl-worker");
    worker.setDaemon(true);
    long started = System.nanoTime();
    worker.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (received.size() < total && System.nanoTime() < deadline) {
        Thread.sleep(250);
      }
    } finally {
      scheduler.shutdown();
      worker.join(TimeUnit.SECONDS.toMillis(20));
      cloudWatch.close();
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    assertEquals(total, received.size(), "user records the KCL worker received");
    for (int i = 0; i < total; i++) {
      assertEquals("ключ-" + (i % 50), received.get(i), "partition key of user record " + i);
    }
    assertTrue(deaggregator.callsWithShardRange.get() > 0, "KCL deaggregated through KclDeaggregator");
    assertEquals(0, deaggregator.droppedUserRecords());
    System.out.printf("codec-aws KCL worker: %d user records received in %.1f s through KclDeaggregator (%d calls),"
        + " %d duplicates%n", received.size(), seconds, deaggregator.callsWithShardRange.get(), duplicates.get());
  }
}
