package example.kcl;

import io.kplcodec.aws.KclDeaggregator;
import io.kplcodec.aws.KinesisProducer;
import io.kplcodec.aws.PutResult;
import io.kplcodec.local.LocalKinesis;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
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
import software.amazon.kinesis.leases.LeaseManagementConfig;
import software.amazon.kinesis.lifecycle.LifecycleConfig;
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
 * Puts 2,000 orders through kpl-codec's producer (aggregated, per shard) into a 2-shard stream, then reads them with a
 * KCL 3 worker whose deaggregation is kpl-codec's {@link KclDeaggregator}, and checks that every order arrived once,
 * with its own partition key. Exit code 1 otherwise; 0 with a message if Node.js is missing (no local Kinesis).
 */
public final class OrdersConsumer {
  private static final int ORDERS = 2000;
  private static final String STREAM = "orders";
  private static final String APPLICATION = "orders-consumer";

  public static void main(String[] args) throws Exception {
    Optional<String> unavailable = LocalKinesis.unavailableReason();
    if (unavailable.isPresent()) {
      System.out.println("kcl3: SKIPPED, no local Kinesis: " + unavailable.get());
      return;
    }
    try (LocalKinesis kinesalite = LocalKinesis.start();
        LocalKinesis dynalite = LocalKinesis.startDynalite();
        KinesisAsyncClient kinesis = kinesalite.client();
        DynamoDbAsyncClient dynamoDb = localDynamoDb(dynalite);
        CloudWatchAsyncClient cloudWatch = unusedCloudWatch()) {
      LocalKinesis.createStream(kinesis, STREAM, 2);
      produce(kinesis);
      createLeaseTable(dynamoDb);
      consume(kinesis, dynamoDb, cloudWatch);
    }
    System.exit(0); // KCL's thread pools are not daemon threads
  }

  private static void produce(KinesisAsyncClient kinesis) {
    List<CompletableFuture<PutResult>> results = new ArrayList<>();
    try (KinesisProducer producer = KinesisProducer.builder(kinesis, STREAM).build()) {
      for (int i = 0; i < ORDERS; i++) {
        results.add(producer.add("customer-" + (i % 40), ("order " + i).getBytes(StandardCharsets.UTF_8)));
      }
    }
    results.forEach(CompletableFuture::join);
    System.out.println("kcl3: put " + ORDERS + " user records through kpl-codec's KinesisProducer (aggregated per shard)");
  }

  private static void consume(KinesisAsyncClient kinesis, DynamoDbAsyncClient dynamoDb,
      CloudWatchAsyncClient cloudWatch) throws Exception {
    Map<Integer, String> received = new ConcurrentHashMap<>();
    AtomicLong duplicates = new AtomicLong();
    AtomicLong wrongKeys = new AtomicLong();

    // The seam, as the README shows it: kpl-codec's deaggregation instead of KCL's own AggregatorUtil.
    KclDeaggregator deaggregator = KclDeaggregator.create(); // drops only out-of-range user records, counted
    ConfigsBuilder configs = new ConfigsBuilder(
        new SingleStreamTracker(STREAM,
            InitialPositionInStreamExtended.newInitialPosition(InitialPositionInStream.TRIM_HORIZON)),
        APPLICATION, kinesis, dynamoDb, cloudWatch, "worker-1", () -> new OrderProcessor(received, duplicates, wrongKeys));
    LifecycleConfig lifecycle = configs.lifecycleConfig().aggregatorUtil(deaggregator); // instead of KCL's own

    // Local settings only: short lease intervals, so the worker starts in seconds; no CloudWatch; polling.
    LeaseManagementConfig leases = configs.leaseManagementConfig().failoverTimeMillis(2000)
        .shardSyncIntervalMillis(5000);
    leases.workerUtilizationAwareAssignmentConfig()
        .inMemoryWorkerMetricsCaptureFrequencyMillis(500)
        .workerMetricsReporterFreqInMillis(1000);
    Scheduler scheduler = new Scheduler(configs.checkpointConfig(), configs.coordinatorConfig(), leases, lifecycle,
        configs.metricsConfig().metricsLevel(MetricsLevel.NONE), configs.processorConfig(),
        configs.retrievalConfig().retrievalSpecificConfig(
            new PollingConfig(STREAM, kinesis).idleTimeBetweenReadsInMillis(250)));

    Thread worker = new Thread(scheduler, "kcl-worker");
    worker.setDaemon(true);
    long started = System.nanoTime();
    worker.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
      while (received.size() < ORDERS && System.nanoTime() < deadline) {
        Thread.sleep(250);
      }
    } finally {
      scheduler.startGracefulShutdown().get(30, TimeUnit.SECONDS);
      worker.join(TimeUnit.SECONDS.toMillis(10));
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.printf("kcl3: the KCL 3.5.1 worker received %d of %d user records in %.1f s through kpl-codec's"
        + " KclDeaggregator: %d duplicates, %d with a wrong partition key, %d dropped, %d corrupt aggregates%n",
        received.size(), ORDERS, seconds, duplicates.get(), wrongKeys.get(), deaggregator.droppedUserRecords(),
        deaggregator.corruptAggregates());
    if (received.size() != ORDERS || wrongKeys.get() != 0 || deaggregator.droppedUserRecords() != 0) {
      System.out.println("kcl3: FAILED");
      System.exit(1);
    }
  }

  /** One per shard lease: records each order it sees, and checkpoints at the end of a shard. */
  private static final class OrderProcessor implements ShardRecordProcessor {
    private final Map<Integer, String> received;
    private final AtomicLong duplicates;
    private final AtomicLong wrongKeys;

    OrderProcessor(Map<Integer, String> received, AtomicLong duplicates, AtomicLong wrongKeys) {
      this.received = received;
      this.duplicates = duplicates;
      this.wrongKeys = wrongKeys;
    }

    @Override
    public void initialize(InitializationInput input) {}

    @Override
    public void processRecords(ProcessRecordsInput input) {
      for (KinesisClientRecord record : input.records()) {
        byte[] data = new byte[record.data().remaining()];
        record.data().get(data);
        int order = Integer.parseInt(new String(data, StandardCharsets.UTF_8).substring("order ".length()));
        if (!record.partitionKey().equals("customer-" + (order % 40))) {
          wrongKeys.incrementAndGet();
        }
        if (received.put(order, record.partitionKey()) != null) {
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
  }

  /**
   * KCL 3 looks its leases up by owner through this index; dynalite cannot add it later (UpdateTable), so the lease
   * table is made with it up front, as KCL would make it. Against DynamoDB, KCL makes the table itself.
   */
  private static void createLeaseTable(DynamoDbAsyncClient dynamoDb) throws Exception {
    dynamoDb.createTable(b -> b.tableName(APPLICATION)
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
  }

  private static DynamoDbAsyncClient localDynamoDb(LocalKinesis dynalite) {
    return DynamoDbAsyncClient.builder()
        .endpointOverride(dynalite.endpoint())
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1))
        .build();
  }

  /** MetricsLevel.NONE: KCL publishes nothing, but its configuration needs a client; this one goes nowhere. */
  private static CloudWatchAsyncClient unusedCloudWatch() {
    return CloudWatchAsyncClient.builder().region(Region.US_EAST_1)
        .endpointOverride(URI.create("http://127.0.0.1:9"))
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .build();
  }
}
