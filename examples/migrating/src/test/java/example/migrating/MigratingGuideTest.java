package example.migrating;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.kinesis.AmazonKinesis;
import com.amazonaws.services.kinesis.model.PutRecordResult;
import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import io.kplcodec.Aggregator;
import io.kplcodec.Deaggregator;
import io.kplcodec.KinesisRecord;
import io.kplcodec.ShardMap;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.HashKeyRange;
import software.amazon.awssdk.services.kinesis.model.PutRecordRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.SequenceNumberRange;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

/**
 * docs/MIGRATING.md: its Java blocks are the marked regions of this directory's sources, verbatim; the snippets that
 * need no AWS account run, and the "before" and "after" of each agree.
 */
class MigratingGuideTest {
  private static final Path SOURCES = Path.of("src/test/java/example/migrating");
  private static final Pattern REGION =
      Pattern.compile("// MIGRATING:([a-z0-9-]+) start\\n(.*?)\\n\\s*// MIGRATING:\\1 end", Pattern.DOTALL);
  private static final Pattern DOC_BLOCK =
      Pattern.compile("<!-- (MIGRATING:([a-z0-9-]+)|not compiled: [^>]*) -->\\n```java\\n(.*?)\\n```", Pattern.DOTALL);
  private static final Pattern ANY_JAVA_BLOCK = Pattern.compile("```java\\n");

  @Test
  void everyJavaBlockOfTheGuideIsAMarkedRegionHereVerbatim() throws IOException {
    Map<String, String> regions = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(SOURCES)) {
      for (Path file : files.sorted().collect(Collectors.toList())) {
        Matcher region = REGION.matcher(Files.readString(file));
        while (region.find()) {
          regions.put(region.group(1), dedent(region.group(2)));
        }
      }
    }
    String guide = Files.readString(Path.of(System.getProperty("migrating.guide")));
    Matcher block = DOC_BLOCK.matcher(guide);
    int blocks = 0;
    List<String> used = new ArrayList<>();
    while (block.find()) {
      blocks++;
      if (block.group(2) == null) {
        continue; // said in the guide, with the reason
      }
      String name = block.group(2);
      assertTrue(regions.containsKey(name), "docs/MIGRATING.md names a region no test has: " + name);
      assertEquals(regions.get(name), block.group(3), "docs/MIGRATING.md block " + name);
      used.add(name);
    }
    long javaBlocks = ANY_JAVA_BLOCK.matcher(guide).results().count();
    assertEquals(javaBlocks, blocks, "every ```java block of docs/MIGRATING.md is marked MIGRATING:name or not compiled");
    List<String> unused = new ArrayList<>(regions.keySet());
    unused.removeAll(used);
    assertTrue(unused.isEmpty(), "regions the guide does not show: " + unused);
  }

  @Test
  void theAwslabsAggregatorAndKplCodecSendTheSameUserRecords() throws Exception {
    List<Order> orders = Order.some(1000);

    List<byte[]> before = new ArrayList<>();
    AmazonKinesis kinesisV1 = (AmazonKinesis) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {AmazonKinesis.class}, (proxy, method, args) -> {
          assertEquals("putRecord", method.getName());
          before.add(bytes(((com.amazonaws.services.kinesis.model.PutRecordRequest) args[0]).getData()));
          return new PutRecordResult();
        });
    AggregationBefore.send(kinesisV1, "orders", orders);

    List<PutRecordRequest> after = new ArrayList<>();
    KinesisClient kinesis = (KinesisClient) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {KinesisClient.class}, (proxy, method, args) -> {
          assertEquals("putRecord", method.getName());
          if (args[0] instanceof Consumer) {
            PutRecordRequest.Builder builder = PutRecordRequest.builder();
            @SuppressWarnings("unchecked")
            Consumer<PutRecordRequest.Builder> consumer = (Consumer<PutRecordRequest.Builder>) args[0];
            consumer.accept(builder);
            after.add(builder.build());
          } else {
            after.add((PutRecordRequest) args[0]);
          }
          return PutRecordResponse.builder().shardId("shardId-000000000000").sequenceNumber("1").build();
        });
    ShardMap shards = ShardMap.builder()
        .add("shardId-000000000000", "0", "170141183460469231731687303715884105727")
        .add("shardId-000000000001", "170141183460469231731687303715884105728",
            "340282366920938463463374607431768211455")
        .build();
    AggregationAfter.send(kinesis, "orders", shards, orders);

    List<String> sent = orders.stream().map(order -> order.customer() + "=" + text(order.json())).sorted()
        .collect(Collectors.toList());
    assertEquals(sent, userRecords(before), "awslabs' aggregates, read by kpl-codec");
    assertEquals(sent, userRecords(after.stream().map(request -> request.data().asByteArray())
        .collect(Collectors.toList())), "kpl-codec's aggregates");
    for (PutRecordRequest request : after) { // each aggregate lands on the shard of all its user records
      String shard = shards.shardIdFor(request.partitionKey(), request.explicitHashKey());
      Deaggregator.builder().hashRange(shards.range(shard))
          .hashRangePolicy(Deaggregator.HashRangePolicy.DROP_WHOLE_AGGREGATE).build()
          .deaggregate(request.data().asByteArray())
          .forEach(userRecord -> assertEquals(shard, shards.shardIdFor(userRecord.partitionKey(), null)));
    }
  }

  @Test
  void kclsAggregatorUtilAndEveryKplCodecFormDeaggregateAlike() {
    Aggregator aggregator = Aggregator.builder().build();
    List<KinesisRecord> aggregates = new ArrayList<>();
    for (Order order : Order.some(300)) {
      KinesisRecord full = aggregator.add(order.customer(), order.json());
      if (full != null) {
        aggregates.add(full);
      }
    }
    aggregates.addAll(aggregator.flush());
    assertEquals(1, aggregates.size());
    byte[] data = aggregates.get(0).dataBytes();

    List<String> kcl = new ArrayList<>();
    DeaggregationBefore.kcl3(List.of(KinesisClientRecord.builder().data(ByteBuffer.wrap(data)).partitionKey("a")
        .sequenceNumber("1").approximateArrivalTimestamp(Instant.now()).build()), collect(kcl));
    assertEquals(300, kcl.size());

    List<String> core = new ArrayList<>();
    DeaggregationAfter.core(data, collect(core));
    List<String> sdk = new ArrayList<>();
    Shard shard = Shard.builder().shardId("shardId-000000000000")
        .hashKeyRange(HashKeyRange.builder().startingHashKey("0")
            .endingHashKey("340282366920938463463374607431768211455").build())
        .sequenceNumberRange(SequenceNumberRange.builder().startingSequenceNumber("0").build()).build();
    DeaggregationAfter.sdk(List.of(Record.builder().data(SdkBytes.fromByteArray(data)).partitionKey("a")
        .sequenceNumber("1").approximateArrivalTimestamp(Instant.now()).build()), shard, collect(sdk));
    List<String> lambda = new ArrayList<>();
    KinesisEvent.Record kinesisRecord = new KinesisEvent.Record();
    kinesisRecord.setData(ByteBuffer.wrap(data));
    kinesisRecord.setPartitionKey("a");
    kinesisRecord.setSequenceNumber("1");
    kinesisRecord.setApproximateArrivalTimestamp(new Date());
    KinesisEvent.KinesisEventRecord eventRecord = new KinesisEvent.KinesisEventRecord();
    eventRecord.setKinesis(kinesisRecord);
    eventRecord.setEventSourceARN("arn:aws:kinesis:us-east-1:123456789012:stream/orders");
    KinesisEvent event = new KinesisEvent();
    event.setRecords(List.of(eventRecord));
    DeaggregationAfter.lambda(event, collect(lambda));

    assertEquals(kcl, core, "kpl-codec-core's Deaggregator and KCL's AggregatorUtil");
    assertEquals(kcl, sdk, "SdkDeaggregator");
    assertEquals(kcl, lambda, "LambdaDeaggregator");
    assertFalse(kcl.get(0).startsWith("null="));
  }

  private static BiConsumer<String, ByteBuffer> collect(List<String> into) {
    return (key, data) -> into.add(key + "=" + text(bytes(data)));
  }

  private static List<String> userRecords(List<byte[]> aggregates) {
    Deaggregator deaggregator = Deaggregator.create();
    return aggregates.stream().flatMap(data -> deaggregator.deaggregate(data).stream())
        .map(userRecord -> userRecord.partitionKey() + "=" + text(userRecord.dataBytes())).sorted()
        .collect(Collectors.toList());
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] copy = new byte[buffer.remaining()];
    buffer.duplicate().get(copy);
    return copy;
  }

  private static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** The region's lines without the indentation they have in the method. */
  private static String dedent(String region) {
    List<String> lines = region.lines().collect(Collectors.toList());
    int indent = lines.stream().filter(line -> !line.isBlank())
        .mapToInt(line -> line.length() - line.stripLeading().length()).min().orElse(0);
    return lines.stream().map(line -> line.length() >= indent ? line.substring(indent) : line.strip())
        .collect(Collectors.joining("\n"));
  }
}
