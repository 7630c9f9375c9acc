package io.kplcodec.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.Aggregator;
import io.kplcodec.CorruptAggregateException;
import io.kplcodec.Deaggregator.HashRangePolicy;
import io.kplcodec.HashKeyRange;
import io.kplcodec.KinesisRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.serialization.SimpleStringSchema;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.core.SdkBytes;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.Record;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.testutils.MetricListener;
import org.apache.flink.util.Collector;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;
import org.junit.jupiter.api.Test;

/**
 * The deserialization schema as {@code KinesisStreamsSource} calls it: one Kinesis record at a time, with the stream
 * ARN and shard id, into a collector.
 */
class DeaggregatingDeserializationSchemaTest {
  private static final String STREAM = "arn:aws:kinesis:us-east-1:000000000000:stream/orders";
  private static final String MAX = BigInteger.TWO.pow(128).subtract(BigInteger.ONE).toString();
  private static final String HALF = BigInteger.TWO.pow(127).toString();
  private static final String HALF_MINUS_ONE = BigInteger.TWO.pow(127).subtract(BigInteger.ONE).toString();

  private final MetricListener metrics = new MetricListener();

  @Test
  void eachUserRecordOfAnAggregateGoesToTheUserSchemaInOrder() throws Exception {
    DeaggregatingDeserializationSchema<String> schema = open(DeaggregatingDeserializationSchema.of(
        new SimpleStringSchema()));
    List<String> out = new ArrayList<>();
    schema.deserialize(record(aggregate("a:1", "b:2", "a:3", "c:4")), STREAM, "shardId-000000000000", collector(out));
    assertEquals(List.of("1", "2", "3", "4"), out);
    assertEquals(4, counter("userRecords"));
    assertEquals(Types.STRING, schema.getProducedType());
  }

  @Test
  void recordsThatAreNotAggregatesPassThroughWhole() throws Exception {
    DeaggregatingDeserializationSchema<String> schema = open(DeaggregatingDeserializationSchema.of(
        new SimpleStringSchema()));
    List<String> out = new ArrayList<>();
    schema.deserialize(record("plain json {\"a\":1}".getBytes(StandardCharsets.UTF_8)), STREAM, "s", collector(out));
    byte[] badMd5 = aggregate("a:1", "b:2");
    badMd5[badMd5.length - 1] ^= 1; // KCL treats an MD5 mismatch as "not aggregated"
    schema.deserialize(record(badMd5), STREAM, "s", collector(out));
    assertEquals(2, out.size());
    assertEquals("plain json {\"a\":1}", out.get(0));
    assertEquals(new String(badMd5, StandardCharsets.UTF_8), out.get(1));
  }

  @Test
  void aCorruptAggregateFailsTheSourceByDefaultAndEmitsNothing() throws Exception {
    DeaggregatingDeserializationSchema<String> schema = open(DeaggregatingDeserializationSchema.of(
        new SimpleStringSchema()));
    List<String> out = new ArrayList<>();
    CorruptAggregateException e = assertThrows(CorruptAggregateException.class,
        () -> schema.deserialize(record(corruptAggregate()), STREAM, "s", collector(out)));
    assertEquals(CorruptAggregateException.Reason.MISSING_DATA, e.reason());
    assertTrue(out.isEmpty(), "nothing of it emitted: " + out);
  }

  @Test
  void aCorruptAggregatePassesThroughWholeWhenAskedAndIsCounted() throws Exception {
    DeaggregatingDeserializationSchema<byte[]> schema = open(DeaggregatingDeserializationSchema.builder(
        new BytesSchema()).passCorruptAggregatesThrough(true).build());
    List<byte[]> out = new ArrayList<>();
    byte[] corrupt = corruptAggregate();
    schema.deserialize(record(corrupt), STREAM, "s", collector(out));
    assertEquals(1, out.size());
    assertEquals(new String(corrupt, StandardCharsets.ISO_8859_1), new String(out.get(0), StandardCharsets.ISO_8859_1));
    assertEquals(1, counter("corruptAggregatesPassedThrough"));
  }

  @Test
  void outOfRangeUserRecordsAreDroppedByTheShardsRangeAndCounted() throws Exception {
    // One aggregate mixing both halves of the key space, as a stale shard map after a split would make it.
    byte[] mixed = aggregateWithHashKeys("in-1:0", "out-1:" + HALF, "in-2:" + HALF_MINUS_ONE, "out-2:" + MAX);
    FixedRanges ranges = new FixedRanges(Map.of("shardId-000000000001", HashKeyRange.of("0", HALF_MINUS_ONE)));

    DeaggregatingDeserializationSchema<String> perRecord = open(DeaggregatingDeserializationSchema.builder(
        new SimpleStringSchema()).hashRangePolicy(HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS).shardRanges(ranges)
        .build());
    List<String> out = new ArrayList<>();
    perRecord.deserialize(record(mixed), STREAM, "shardId-000000000001", collector(out));
    perRecord.deserialize(record(mixed), STREAM, "shardId-000000000001", collector(out));
    assertEquals(List.of("in-1", "in-2", "in-1", "in-2"), out);
    assertEquals(4, counter("droppedUserRecords"));
    assertEquals(1, ranges.lookups, "the range is looked up once per shard, then cached");

    MetricListener wholeMetrics = new MetricListener();
    DeaggregatingDeserializationSchema<String> whole = DeaggregatingDeserializationSchema.builder(
        new SimpleStringSchema()).hashRangePolicy(HashRangePolicy.DROP_WHOLE_AGGREGATE).shardRanges(ranges).build();
    whole.open(context(wholeMetrics.getMetricGroup()));
    List<String> wholeOut = new ArrayList<>();
    whole.deserialize(record(mixed), STREAM, "shardId-000000000001", collector(wholeOut));
    assertTrue(wholeOut.isEmpty(), "KCL's behaviour: one stranger drops the aggregate");
    assertEquals(4, wholeMetrics.getCounter("kplDeaggregation", "droppedUserRecords").orElseThrow().getCount());
  }

  @Test
  void aShardWhoseRangeIsUnknownIsNotFilteredAndIsLookedUpAgainLater() throws Exception {
    byte[] mixed = aggregateWithHashKeys("in:0", "out:" + MAX);
    FixedRanges ranges = new FixedRanges(Map.of());
    DeaggregatingDeserializationSchema<String> schema = open(DeaggregatingDeserializationSchema.builder(
        new SimpleStringSchema()).hashRangePolicy(HashRangePolicy.DROP_WHOLE_AGGREGATE).shardRanges(ranges).build());
    List<String> out = new ArrayList<>();
    schema.deserialize(record(mixed), STREAM, "shardId-000000000009", collector(out));
    schema.deserialize(record(mixed), STREAM, "shardId-000000000009", collector(out));
    assertEquals(List.of("in", "out", "in", "out"), out);
    assertEquals(2, ranges.lookups);
    assertEquals(0, counter("droppedUserRecords"));
  }

  @Test
  void keepingEveryUserRecordNeverLooksUpARange() throws Exception {
    FixedRanges ranges = new FixedRanges(Map.of());
    DeaggregatingDeserializationSchema<String> schema = open(DeaggregatingDeserializationSchema.builder(
        new SimpleStringSchema()).shardRanges(ranges).build());
    List<String> out = new ArrayList<>();
    schema.deserialize(record(aggregateWithHashKeys("a:0", "b:" + MAX)), STREAM, "s", collector(out));
    assertEquals(List.of("a", "b"), out);
    assertEquals(0, ranges.lookups);
  }

  @Test
  void theUserSchemaIsOpenedAndItsErrorsReachTheSource() throws Exception {
    BytesSchema user = new BytesSchema();
    DeaggregatingDeserializationSchema<byte[]> schema = open(DeaggregatingDeserializationSchema.of(user));
    assertTrue(BytesSchema.opened, "open is passed on");
    IOException e = assertThrows(IOException.class, () -> schema.deserialize(record(aggregate("a:ok", "b:poison")),
        STREAM, "s", collector(new ArrayList<>())));
    assertEquals("poison", e.getMessage());
  }

  @Test
  void aFilteringPolicyNeedsShardRanges() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> DeaggregatingDeserializationSchema
        .builder(new SimpleStringSchema()).hashRangePolicy(HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS).build());
    assertTrue(e.getMessage().contains("shardRangesFrom"), e.getMessage());
  }

  @Test
  void theSchemaTravelsWithTheJobAndKeepsEverythingWhenListShardsFails() throws Exception {
    Configuration sourceConfig = new Configuration();
    sourceConfig.setString("aws.region", "us-east-1");
    sourceConfig.setString("aws.endpoint", "http://127.0.0.1:9"); // nothing listens: ListShards fails at once
    sourceConfig.setString("aws.credentials.provider", "BASIC");
    sourceConfig.setString("aws.credentials.provider.basic.accesskeyid", "test");
    sourceConfig.setString("aws.credentials.provider.basic.secretkey", "test");
    DeaggregatingDeserializationSchema<String> schema = DeaggregatingDeserializationSchema.builder(
        new SimpleStringSchema()).hashRangePolicy(HashRangePolicy.DROP_WHOLE_AGGREGATE)
        .shardRangesFrom(sourceConfig).build();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream objects = new ObjectOutputStream(bytes)) {
      objects.writeObject(schema);
    }
    Object copy;
    try (ObjectInputStream objects = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = objects.readObject();
    }
    @SuppressWarnings("unchecked")
    DeaggregatingDeserializationSchema<String> restored =
        (DeaggregatingDeserializationSchema<String>) assertInstanceOf(DeaggregatingDeserializationSchema.class, copy);
    open(restored);
    List<String> out = new ArrayList<>();
    restored.deserialize(record(aggregateWithHashKeys("in:0", "out:" + MAX)), STREAM, "shardId-000000000000",
        collector(out));
    assertEquals(List.of("in", "out"), out, "a shard whose range cannot be listed is not filtered");
    assertEquals(0, counter("droppedUserRecords"));
  }

  // -- helpers

  private <T> DeaggregatingDeserializationSchema<T> open(DeaggregatingDeserializationSchema<T> schema)
      throws Exception {
    schema.open(context(metrics.getMetricGroup()));
    return schema;
  }

  private long counter(String name) {
    return metrics.getCounter("kplDeaggregation", name).orElseThrow().getCount();
  }

  static DeserializationSchema.InitializationContext context(MetricGroup group) {
    UserCodeClassLoader classLoader = SimpleUserCodeClassLoader.create(
        DeaggregatingDeserializationSchemaTest.class.getClassLoader());
    return new DeserializationSchema.InitializationContext() {
      @Override
      public MetricGroup getMetricGroup() {
        return group;
      }

      @Override
      public UserCodeClassLoader getUserCodeClassLoader() {
        return classLoader;
      }
    };
  }

  static <T> Collector<T> collector(List<T> out) {
    return new Collector<>() {
      @Override
      public void collect(T record) {
        out.add(record);
      }

      @Override
      public void close() {}
    };
  }

  static Record record(byte[] data) {
    return Record.builder().data(SdkBytes.fromByteArray(data)).partitionKey("pk").sequenceNumber("1")
        .approximateArrivalTimestamp(Instant.now()).build();
  }

  /** One aggregate of "partitionKey:data" user records. */
  static byte[] aggregate(String... keyAndData) {
    Aggregator aggregator = Aggregator.builder().aggregateLoneRecords(true).build();
    for (String entry : keyAndData) {
      String[] parts = entry.split(":", 2);
      assertTrue(aggregator.add(parts[0], parts[1].getBytes(StandardCharsets.UTF_8)) == null);
    }
    return only(aggregator.flush());
  }

  /** One aggregate of "data:explicitHashKey" user records (partition key "k"), across shards on purpose. */
  static byte[] aggregateWithHashKeys(String... dataAndHashKey) {
    Aggregator aggregator = Aggregator.builder().aggregateLoneRecords(true).build(); // no shard map: one aggregate
    for (String entry : dataAndHashKey) {
      String[] parts = entry.split(":", 2);
      assertTrue(aggregator.add("k", parts[1], parts[0].getBytes(StandardCharsets.UTF_8)) == null);
    }
    return only(aggregator.flush());
  }

  private static byte[] only(List<KinesisRecord> records) {
    assertEquals(1, records.size());
    byte[] bytes = records.get(0).dataBytes();
    records.get(0).release();
    return bytes;
  }

  /** Magic, a Record without its required data (tag 0x1A, length 2: partition_key_index 0), and a valid MD5. */
  static byte[] corruptAggregate() throws Exception {
    byte[] message = {0x0A, 0x01, 'k', 0x1A, 0x02, 0x08, 0x00};
    byte[] md5 = MessageDigest.getInstance("MD5").digest(message);
    byte[] record = new byte[4 + message.length + md5.length];
    record[0] = (byte) 0xF3;
    record[1] = (byte) 0x89;
    record[2] = (byte) 0x9A;
    record[3] = (byte) 0xC2;
    System.arraycopy(message, 0, record, 4, message.length);
    System.arraycopy(md5, 0, record, 4 + message.length, md5.length);
    return record;
  }

  /** Ranges from a fixed table, counting lookups. */
  static final class FixedRanges implements ShardRangeLookup {
    private static final long serialVersionUID = 1L;
    private final Map<String, HashKeyRange> ranges;
    int lookups;

    FixedRanges(Map<String, HashKeyRange> ranges) {
      this.ranges = ranges;
    }

    @Override
    public HashKeyRange rangeOf(String stream, String shardId) {
      lookups++;
      assertSame(STREAM, stream);
      return ranges.get(shardId);
    }
  }

  /** Raw bytes; remembers being opened; fails on "poison". */
  static final class BytesSchema implements DeserializationSchema<byte[]> {
    private static final long serialVersionUID = 1L;
    static volatile boolean opened;

    @Override
    public void open(InitializationContext context) {
      opened = true;
    }

    @Override
    public byte[] deserialize(byte[] message) throws IOException {
      if (new String(message, StandardCharsets.UTF_8).equals("poison")) {
        throw new IOException("poison");
      }
      return message;
    }

    @Override
    public boolean isEndOfStream(byte[] nextElement) {
      return false;
    }

    @Override
    public org.apache.flink.api.common.typeinfo.TypeInformation<byte[]> getProducedType() {
      return org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;
    }
  }

}
