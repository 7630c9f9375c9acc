package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import com.amazonaws.services.lambda.runtime.events.KinesisEvent.KinesisEventRecord;
import io.kplcodec.local.LocalKinesis;
import io.kplcodec.testing.ReadmeSnippets;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.kinesis.common.ConfigsBuilder;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.lifecycle.LifecycleConfig;
import software.amazon.kinesis.lifecycle.events.InitializationInput;
import software.amazon.kinesis.lifecycle.events.LeaseLostInput;
import software.amazon.kinesis.lifecycle.events.ProcessRecordsInput;
import software.amazon.kinesis.lifecycle.events.ShardEndedInput;
import software.amazon.kinesis.lifecycle.events.ShutdownRequestedInput;
import software.amazon.kinesis.processor.ShardRecordProcessor;
import software.amazon.kinesis.processor.ShardRecordProcessorFactory;

/**
 * The repository README's codec-aws snippets, verbatim between the marker comments (here and in {@link OrdersHandler}), run
 * against kinesalite: the producer puts into it, the SDK snippet reads it back, and the Lambda handler gets a real
 * {@link KinesisEvent} built from what kinesalite returned.
 */
class ReadmeExamplesTest {
  private static LocalKinesis kinesalite;
  private static KinesisAsyncClient kinesis;
  private static final String STREAM = "orders";

  static synchronized KinesisAsyncClient kinesalite() throws Exception {
    if (kinesalite == null) {
      kinesalite = Kinesalite.start(null);
      kinesis = kinesalite.client();
      LocalKinesis.createStream(kinesis, STREAM, 2);
    }
    return kinesis;
  }

  @AfterAll
  static void stop() {
    if (kinesis != null) {
      kinesis.close();
    }
    if (kinesalite != null) {
      kinesalite.close();
    }
  }

  @Test
  void producerThenSdkThenLambda() throws Exception {
    KinesisAsyncClient kinesis = kinesalite();

    // README:producer start
    try (KinesisProducer producer = KinesisProducer.builder(kinesis, "orders").build()) { // lists the shards
      List<CompletableFuture<PutResult>> results = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        byte[] order = ("{\"order\":" + i + "}").getBytes(StandardCharsets.UTF_8);
        results.add(producer.add("customer-" + (i % 100), order)); // blocks while the producer is full or slow
      }
      producer.flush(); // waits until every record added so far is put, or failed after its 30 s timeout

      PutResult first = results.get(0).join(); // where it landed: shard, sequence and sub-sequence number
      System.out.println(first.shardId() + " " + first.sequenceNumber() + " #" + first.subSequenceNumber());
      System.out.println(producer.counters()); // user records, aggregates, calls, retries, failures
    }
    // README:producer end

    List<Shard> shards = LocalKinesis.listShards(kinesis, STREAM);
    Map<String, String> orders = new HashMap<>();
    List<Record> received = new ArrayList<>();
    for (Shard shard : shards) {
      String iterator = kinesis.getShardIterator(b -> b.streamName(STREAM).shardId(shard.shardId())
          .shardIteratorType("TRIM_HORIZON")).join().shardIterator();

      // README:sdk start
      SdkDeaggregator deaggregator = SdkDeaggregator.create().forShard(shard); // the shard's hash key range
      GetRecordsResponse response = kinesis.getRecords(b -> b.shardIterator(iterator)).join();
      for (DeaggregatedRecord record : deaggregator.deaggregate(response.records())) {
        String order = new String(record.dataBytes(), StandardCharsets.UTF_8);
        // record.sequenceNumber() is the Kinesis record's, record.subSequenceNumber() the user record's position
        orders.put(order, record.partitionKey());
      }
      // README:sdk end

      received.addAll(response.records());
      assertEquals(0, deaggregator.droppedUserRecords());
    }
    assertEquals(10_000, orders.size());
    assertEquals("customer-7", orders.get("{\"order\":107}"));

    // The Lambda handler, given the records as Lambda's Kinesis event source would deliver them.
    KinesisEvent event = new KinesisEvent();
    List<KinesisEventRecord> eventRecords = new ArrayList<>();
    for (Record record : received) {
      KinesisEvent.Record payload = new KinesisEvent.Record();
      payload.setData(record.data().asByteBuffer());
      payload.setPartitionKey(record.partitionKey());
      payload.setSequenceNumber(record.sequenceNumber());
      payload.setApproximateArrivalTimestamp(Date.from(record.approximateArrivalTimestamp()));
      payload.setEncryptionType(record.encryptionTypeAsString() == null ? "NONE" : record.encryptionTypeAsString());
      payload.setKinesisSchemaVersion("1.0");
      KinesisEventRecord eventRecord = new KinesisEventRecord();
      eventRecord.setKinesis(payload);
      eventRecord.setEventSource("aws:kinesis");
      eventRecord.setEventSourceARN("arn:aws:kinesis:us-east-1:000000000000:stream/" + STREAM);
      eventRecord.setEventID("shardId-000000000000:" + record.sequenceNumber());
      eventRecord.setEventName("aws:kinesis:record");
      eventRecord.setAwsRegion("us-east-1");
      eventRecords.add(eventRecord);
    }
    event.setRecords(eventRecords);
    Map<String, String> handled = new HashMap<>();
    new OrdersHandler() {
      @Override
      void process(String customer, String order) {
        handled.put(order, customer);
      }
    }.handleRequest(event, null);
    assertEquals(orders, handled, "the handler saw every order with its customer");
    assertTrue(received.size() < 100, "10,000 orders came in a few aggregates: " + received.size());
  }

  @Test
  void kclSetUp() {
    KinesisAsyncClient kinesis = offlineKinesis();
    DynamoDbAsyncClient dynamoDb = DynamoDbAsyncClient.builder().region(Region.US_EAST_1)
        .endpointOverride(URI.create("http://127.0.0.1:9")).credentialsProvider(credentials()).build();
    CloudWatchAsyncClient cloudWatch = CloudWatchAsyncClient.builder().region(Region.US_EAST_1)
        .endpointOverride(URI.create("http://127.0.0.1:9")).credentialsProvider(credentials()).build();
    String streamName = STREAM;
    String applicationName = "orders-app";
    String workerId = "worker-1";
    ShardRecordProcessorFactory recordProcessorFactory = NoOpProcessor::new;

    // README:kcl start
    KclDeaggregator deaggregator = KclDeaggregator.create(); // drops only out-of-range user records, counted
    ConfigsBuilder configs = new ConfigsBuilder(streamName, applicationName, kinesis, dynamoDb, cloudWatch,
        workerId, recordProcessorFactory);
    LifecycleConfig lifecycle = configs.lifecycleConfig().aggregatorUtil(deaggregator); // instead of KCL's own
    Scheduler scheduler = new Scheduler(configs.checkpointConfig(), configs.coordinatorConfig(),
        configs.leaseManagementConfig(), lifecycle, configs.metricsConfig(), configs.processorConfig(),
        configs.retrievalConfig());
    // README:kcl end

    assertSame(deaggregator, lifecycle.aggregatorUtil());
    assertTrue(scheduler != null);
    kinesis.close();
    dynamoDb.close();
    cloudWatch.close();
  }

  @Test
  void readmeHasEverySnippetVerbatim() throws IOException {
    List<String> found = ReadmeSnippets.assertShown(Path.of("../README.md"), // the repository README
        ReadmeSnippets.in(Path.of("src/test/java/io/kplcodec/aws")), true);
    assertEquals(List.of("lambda", "producer", "sdk", "kcl"), found);
  }

  private static StaticCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
  }

  private static KinesisAsyncClient offlineKinesis() {
    return KinesisAsyncClient.builder().region(Region.US_EAST_1).endpointOverride(URI.create("http://127.0.0.1:9"))
        .credentialsProvider(credentials()).build();
  }

  /** A record processor for the set-up snippet; never run. */
  static final class NoOpProcessor implements ShardRecordProcessor {
    @Override
    public void initialize(InitializationInput input) {}

    @Override
    public void processRecords(ProcessRecordsInput input) {}

    @Override
    public void leaseLost(LeaseLostInput input) {}

    @Override
    public void shardEnded(ShardEndedInput input) {}

    @Override
    public void shutdownRequested(ShutdownRequestedInput input) {}
  }
}
