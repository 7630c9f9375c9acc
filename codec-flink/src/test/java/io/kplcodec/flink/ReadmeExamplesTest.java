package io.kplcodec.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.Deaggregator.HashRangePolicy;
import io.kplcodec.aws.KinesisProducer.MisroutePolicy;
import io.kplcodec.local.LocalKinesis;
import io.kplcodec.testing.ReadmeSnippets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kinesis.source.KinesisStreamsSource;
import org.apache.flink.connector.kinesis.source.config.KinesisStreamsSourceConfigConstants;
import org.apache.flink.connector.kinesis.source.config.KinesisStreamsSourceConfigConstants.InitialPosition;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;

/**
 * codec-flink/README.md's snippets, verbatim between the marker comments, run against kinesalite (through the
 * ARN-rewriting proxy): the sink snippet writes orders, the source snippet reads them back.
 */
class ReadmeExamplesTest {
  private static final String STREAM = "readme-orders";
  /** The repository README, whose codec-flink section shows the same snippets. */
  private static final Path ROOT_SECTION = Path.of("..", "README.md");
  /** What the source snippet's job read, across its parallel readers. */
  static final Set<String> READ = ConcurrentHashMap.newKeySet();

  @RegisterExtension
  static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
      .setNumberTaskManagers(1)
      .setNumberSlotsPerTaskManager(2)
      .build());

  private static LocalKinesis kinesalite;
  private static KinesisAsyncClient direct;
  private static ArnRewritingProxy proxy;

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (direct != null) {
      direct.close();
    }
    if (kinesalite != null) {
      kinesalite.close();
    }
  }

  @Test
  void sinkThenSource() throws Exception {
    kinesalite = Kinesalite.start();
    direct = kinesalite.client();
    proxy = new ArnRewritingProxy(kinesalite.port());
    LocalKinesis.createStream(direct, STREAM, 2);
    List<Order> sent = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      sent.add(new Order("customer-" + (i % 40), i));
    }

    writeWithTheProducer(sent.subList(0, 1_000), STREAM, Kinesalite.clientProperties(proxy.port()));
    write(sent.subList(1_000, 2_000), Kinesalite.streamArn(STREAM), Kinesalite.clientProperties(proxy.port()));
    assertTrue(proxy.putRecordsEntries() < 20, "2,000 orders in a few aggregates: " + proxy.putRecordsEntries());

    JobClient reading = read(Kinesalite.streamArn(STREAM), Kinesalite.sourceConfig(proxy.port()));
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (READ.size() < sent.size() && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
    } finally {
      reading.cancel().get(30, TimeUnit.SECONDS);
    }
    assertEquals(sent.stream().map(Order::toJson).collect(Collectors.toSet()), READ);
  }

  private static void writeWithTheProducer(List<Order> sent, String streamName, Properties kinesisProperties)
      throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<Order> orders = env.fromData(sent);
    // README:producer-sink start
    KinesisProducerSink<Order> sink = KinesisProducerSink.<Order>builder()
        .setStreamName(streamName) // or setStreamArn(streamArn), sent as StreamARN
        .setKinesisClientProperties(kinesisProperties) // aws.region, credentials...: as for KinesisStreamsSink
        .setSerializationSchema(order -> order.toJson().getBytes(StandardCharsets.UTF_8))
        .setPartitionKeyGenerator(order -> order.customer)
        .build();
    orders.sinkTo(sink).uid("orders-to-kinesis"); // one KinesisProducer per parallel writer
    env.execute("orders to kinesis");
    // README:producer-sink end
  }

  private static void write(List<Order> sent, String streamArn, Properties kinesisProperties) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    DataStream<Order> orders = env.fromData(sent);
    // README:sink start
    AggregatingKinesisSink<Order> sink = AggregatingKinesisSink.<Order>builder()
        .setStreamArn(streamArn)
        .setKinesisClientProperties(kinesisProperties) // aws.region, credentials...: as for KinesisStreamsSink
        .setSerializationSchema(order -> order.toJson().getBytes(StandardCharsets.UTF_8))
        .setPartitionKeyGenerator(order -> order.customer)
        .build();
    sink.addTo(orders).uid("orders-to-kinesis"); // aggregation step + KinesisStreamsSink, chained
    env.execute("orders to kinesis");
    // README:sink end
  }

  private static JobClient read(String streamArn, Configuration sourceConfig) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(2);
    // README:source start
    sourceConfig.set(KinesisStreamsSourceConfigConstants.STREAM_INITIAL_POSITION, InitialPosition.TRIM_HORIZON);
    DeaggregatingDeserializationSchema<String> schema =
        DeaggregatingDeserializationSchema.of(new SimpleStringSchema()); // your schema, for each user record
    KinesisStreamsSource<String> source = KinesisStreamsSource.<String>builder()
        .setStreamArn(streamArn)
        .setSourceConfig(sourceConfig) // aws.region, credentials...: as for KinesisStreamsSource
        .setDeserializationSchema(schema)
        .build();
    DataStream<String> orders =
        env.fromSource(source, WatermarkStrategy.noWatermarks(), "orders", schema.getProducedType());
    // README:source end
    orders.map(json -> {
      READ.add(json);
      return json;
    }).sinkTo(new DiscardingSink<>());
    return env.executeAsync("orders from kinesis");
  }

  @Test
  void sourceOptions() {
    Configuration sourceConfig = new Configuration();
    sourceConfig.setString("aws.region", "eu-west-1");
    // README:source-options start
    DeaggregatingDeserializationSchema<String> schema =
        DeaggregatingDeserializationSchema.builder(new SimpleStringSchema())
            .passCorruptAggregatesThrough(true) // a corrupt aggregate goes to your schema whole, counted
            .hashRangePolicy(HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS) // only for producers that re-send them
            .shardRangesFrom(sourceConfig) // each shard's range, from ListShards
            .build();
    // README:source-options end
    assertTrue(schema.toString().contains("DROP_OUT_OF_RANGE_RECORDS"));
  }

  @Test
  void producerSinkOptions() {
    Properties kinesisProperties = new Properties();
    kinesisProperties.setProperty("aws.region", "eu-west-1");
    // README:producer-sink-options start
    KinesisProducerSink<Order> sink = KinesisProducerSink.<Order>builder()
        .setStreamName("orders")
        .setKinesisClientProperties(kinesisProperties) // or setKinesisClientFactory(() -> yourClient())
        .setSerializationSchema(order -> order.toJson().getBytes(StandardCharsets.UTF_8))
        .setPartitionKeyGenerator(order -> order.customer)
        .setMaxRecordSizeInBytes(1024 * 1024) // the stream's limit (data + partition key)
        .setMaxBufferTime(Duration.ofMillis(100)) // longest a user record waits for its aggregate to fill
        .configureProducer(producer -> producer
            .maxBufferedBytes(64L * 1024 * 1024) // a write blocks (backpressure) while the writer holds this much
            .recordTimeout(Duration.ofSeconds(30)) // a user record not put by then fails the job, which restores
            .misroutePolicy(MisroutePolicy.RESEND_WHOLE_AGGREGATE)) // the default: KCL loses nothing on reshards
        .build();
    // README:producer-sink-options end
    assertTrue(sink.toString().contains("orders"));
  }

  @Test
  void sinkOptions() {
    Properties kinesisProperties = new Properties();
    kinesisProperties.setProperty("aws.region", "eu-west-1");
    // README:sink-options start
    AggregatingKinesisSink<Order> sink = AggregatingKinesisSink.<Order>builder()
        .setStreamName("orders")
        .setKinesisClientProperties(kinesisProperties)
        .setSerializationSchema(order -> order.toJson().getBytes(StandardCharsets.UTF_8))
        .setPartitionKeyGenerator(order -> order.customer)
        .setMaxRecordSizeInBytes(1024 * 1024) // the stream's limit (data + partition key); the sink gets it too
        .setMaxBufferTime(Duration.ofMillis(100)) // longest a user record waits in the aggregation step
        .setShardMapRefreshInterval(Duration.ofSeconds(60))
        .configureSink(kinesisSink -> kinesisSink.setMaxInFlightRequests(50).setFailOnError(false))
        .build();
    // README:sink-options end
    assertEquals(1024 * 1024, sink.maxRecordSizeInBytes());
  }

  @Test
  void readmeHasEverySnippetVerbatim() throws IOException {
    List<String> found = ReadmeSnippets.assertShown(Path.of("README.md"), // codec-flink/README.md
        ReadmeSnippets.in(Path.of("src/test/java/io/kplcodec/flink")), true);
    assertEquals(List.of("producer-sink", "sink", "source", "source-options", "producer-sink-options",
        "sink-options"), found);
  }

  @Test
  void theProposedRootReadmeSectionHasTheWiringSnippetsVerbatim() throws IOException {
    Map<String, String> snippets =
        ReadmeSnippets.in(Path.of("src/test/java/io/kplcodec/flink/ReadmeExamplesTest.java"));
    snippets.keySet().retainAll(List.of("producer-sink", "source"));
    assertEquals(List.of("producer-sink", "source"), ReadmeSnippets.assertShown(ROOT_SECTION, snippets, true));
  }
}
