package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import com.amazonaws.services.lambda.runtime.events.KinesisEvent.KinesisEventRecord;
import io.kplcodec.Aggregator;
import io.kplcodec.CorruptAggregateException;
import io.kplcodec.Deaggregator;
import io.kplcodec.HashKeyRange;
import io.kplcodec.KinesisRecord;
import io.kplcodec.ShardMap;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.model.EncryptionType;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.kinesis.retrieval.AggregatorUtil;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

/** The SDK, Lambda and KCL adapters on hand-made records, against the real SDK, Lambda event and KCL types. */
class ConsumerAdaptersTest {
  static final String SEQUENCE = "49590338271490256608559692538361571095921575989136588898";
  static final Instant ARRIVAL = Instant.parse("2026-11-21T12:00:00.123Z");
  static final String ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/orders";
  /** The lower half of the hash key space: a shard after a split. */
  static final HashKeyRange LOWER_HALF = HashKeyRange.of("0", "170141183460469231731687303715884105727");

  /** Keys on both sides of 2^127, found by MD5 so the test does not depend on luck. */
  static final String LOW_KEY = keyInLowerHalf(true, "low-");
  static final String HIGH_KEY = keyInLowerHalf(false, "high-");

  @Test
  void sdkRecordsKeepSequenceNumberArrivalAndEncryption() {
    byte[] aggregate = aggregate(List.of("a", "ключ", "🔑"), List.of("1", "22", "333"));
    Record record = record(aggregate, "outer-key");
    List<DeaggregatedRecord> users = SdkDeaggregator.create().deaggregate(record);

    assertEquals(3, users.size());
    for (int i = 0; i < 3; i++) {
      DeaggregatedRecord user = users.get(i);
      assertEquals(List.of("a", "ключ", "🔑").get(i), user.partitionKey());
      assertEquals(List.of("1", "22", "333").get(i), new String(user.dataBytes(), StandardCharsets.UTF_8));
      assertEquals(SEQUENCE, user.sequenceNumber());
      assertEquals(i, user.subSequenceNumber());
      assertEquals(ARRIVAL, user.approximateArrivalTimestamp());
      assertEquals("KMS", user.encryptionType());
      assertTrue(user.isAggregated());
      assertNull(user.eventSourceArn());
      assertTrue(user.data().isReadOnly(), "a view, not a copy");
    }
  }

  @Test
  void sdkRawRecordPassesThroughWithItsOwnKey() {
    Record record = record("plain".getBytes(StandardCharsets.UTF_8), "its-key");
    List<DeaggregatedRecord> users = SdkDeaggregator.create().deaggregate(List.of(record));
    assertEquals(1, users.size());
    assertEquals("its-key", users.get(0).partitionKey());
    assertFalse(users.get(0).isAggregated());
    assertEquals(0, users.get(0).subSequenceNumber());
    assertEquals("plain", new String(users.get(0).dataBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void sdkForShardDropsOnlyOutOfRangeRecordsAndCountsThem() {
    Record record = record(aggregate(List.of(LOW_KEY, HIGH_KEY, LOW_KEY), List.of("1", "2", "3")), LOW_KEY);
    SdkDeaggregator deaggregator = SdkDeaggregator.create();
    List<DeaggregatedRecord> users = deaggregator.withHashRange(LOWER_HALF).deaggregate(record);
    assertEquals(List.of(0L, 2L), List.of(users.get(0).subSequenceNumber(), users.get(1).subSequenceNumber()));
    assertEquals(1, deaggregator.droppedUserRecords());
  }

  @Test
  void lambdaEventRecordsKeepEventMetadata() {
    byte[] aggregate = aggregate(List.of("k1", "k2"), List.of("x", "y"));
    KinesisEvent event = new KinesisEvent();
    event.setRecords(List.of(eventRecord(aggregate, "outer"), eventRecord("raw".getBytes(StandardCharsets.UTF_8),
        "raw-key")));
    List<DeaggregatedRecord> users = LambdaDeaggregator.create().deaggregate(event);

    assertEquals(3, users.size());
    assertEquals(List.of("k1", "k2", "raw-key"),
        List.of(users.get(0).partitionKey(), users.get(1).partitionKey(), users.get(2).partitionKey()));
    assertEquals(1, users.get(1).subSequenceNumber());
    assertFalse(users.get(2).isAggregated());
    for (DeaggregatedRecord user : users) {
      assertEquals(ARN, user.eventSourceArn());
      assertEquals(SEQUENCE, user.sequenceNumber());
      assertEquals(ARRIVAL, user.approximateArrivalTimestamp());
      assertEquals("NONE", user.encryptionType());
      // The event's buffer is writable; its user records must not be (the visitor hands out the buffer itself).
      assertTrue(user.data().isReadOnly(), "user data is a read-only view");
    }
  }

  @Test
  void lambdaCorruptAggregateThrowsRatherThanLosingRecords() {
    byte[] aggregate = aggregate(List.of("k1", "k2"), List.of("x", "y"));
    corruptKeepingMd5(aggregate);
    KinesisEvent event = new KinesisEvent();
    event.setRecords(List.of(eventRecord(aggregate, "outer")));
    assertThrows(CorruptAggregateException.class, () -> LambdaDeaggregator.create().deaggregate(event));
  }

  @Test
  void kclDeaggregatorEqualsKclAggregatorUtilWhenDroppingWholeAggregates() {
    java.util.function.Supplier<List<KinesisClientRecord>> records = () -> List.of(
        kclRecord(aggregate(List.of(LOW_KEY, LOW_KEY), List.of("1", "2"))),
        kclRecord(aggregate(List.of(LOW_KEY, HIGH_KEY), List.of("3", "4"))), // mixed: KCL drops it whole
        kclRecord("raw".getBytes(StandardCharsets.UTF_8)));
    String start = LOWER_HALF.startingHashKey();
    String end = LOWER_HALF.endingHashKey();

    // Fresh input for each: KCL's AggregatorUtil moves the position of the buffers it is given.
    List<KinesisClientRecord> kcl = new AggregatorUtil().deaggregate(records.get(), start, end);
    List<KinesisClientRecord> input = records.get();
    KclDeaggregator whole = new KclDeaggregator(Deaggregator.builder()
        .hashRangePolicy(Deaggregator.HashRangePolicy.DROP_WHOLE_AGGREGATE).build());
    List<KinesisClientRecord> ours = whole.deaggregate(input, start, end);

    assertEquals(3, kcl.size(), "KCL kept the first aggregate's two and the raw record");
    assertEquals(kcl, ours, "record for record, metadata included");
    assertEquals(0, input.get(0).data().position(), "kpl-codec leaves the input buffers alone");
    assertEquals(2, whole.droppedUserRecords(), "but here the drop is counted");
    assertSame(input.get(2), ours.get(2), "a raw record passes through unchanged, as in KCL");
  }

  @Test
  void kclDeaggregatorCreateKeepsInRangeRecordsOfAMixedAggregate() {
    List<KinesisClientRecord> input = List.of(kclRecord(aggregate(List.of(LOW_KEY, HIGH_KEY), List.of("3", "4"))));
    KclDeaggregator deaggregator = KclDeaggregator.create();
    List<KinesisClientRecord> ours = deaggregator.deaggregate(input,
        new BigInteger(LOWER_HALF.startingHashKey()), new BigInteger(LOWER_HALF.endingHashKey()));
    assertEquals(1, ours.size());
    assertEquals(LOW_KEY, ours.get(0).partitionKey());
    assertEquals(0, ours.get(0).subSequenceNumber());
    assertTrue(ours.get(0).aggregated());
    assertEquals(SEQUENCE, ours.get(0).sequenceNumber());
    assertTrue(ours.get(0).data().isReadOnly(), "the input buffer is writable; user data must not be");
    assertEquals(1, deaggregator.droppedUserRecords());
  }

  @Test
  void kclDeaggregatorPassesACorruptAggregateThroughWholeAndCountsIt() {
    byte[] aggregate = aggregate(List.of("k1", "k2"), List.of("x", "y"));
    corruptKeepingMd5(aggregate);
    KinesisClientRecord record = kclRecord(aggregate);
    KclDeaggregator deaggregator = KclDeaggregator.create();
    List<KinesisClientRecord> out = deaggregator.deaggregate(List.of(record));
    assertEquals(List.of(record), out);
    assertEquals(1, deaggregator.corruptAggregates());
  }

  @Test
  void kclDeaggregatorOnAShardPassesThroughWhatItDoesNotDecodeWithoutCountingDrops() {
    byte[] corrupt = aggregate(List.of("k1", "k2"), List.of("x", "y"));
    corruptKeepingMd5(corrupt);
    KclDeaggregator passing = new KclDeaggregator(Deaggregator.builder()
        .hashRangePolicy(Deaggregator.HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS)
        .passCorruptAggregatesThrough(true)
        .build());
    KinesisClientRecord corruptRecord = kclRecord(corrupt);
    assertEquals(List.of(corruptRecord), passing.deaggregate(List.of(corruptRecord),
        new BigInteger(LOWER_HALF.startingHashKey()), new BigInteger(LOWER_HALF.endingHashKey())),
        "passed through by the wrapped deaggregator, on a shard's range too");
    assertEquals(0, passing.droppedUserRecords());

    // Raw data that starts like an aggregate but whose MD5 does not match: a plain record, passed through.
    byte[] lookalike = aggregate(List.of(LOW_KEY, HIGH_KEY), List.of("3", "4"));
    lookalike[lookalike.length - 1] ^= 1;
    KinesisClientRecord raw = kclRecord(lookalike);
    KclDeaggregator deaggregator = KclDeaggregator.create();
    assertEquals(List.of(raw), deaggregator.deaggregate(List.of(raw),
        new BigInteger(LOWER_HALF.startingHashKey()), new BigInteger(LOWER_HALF.endingHashKey())));
    assertEquals(0, deaggregator.droppedUserRecords(), "nothing was dropped: its body is not an aggregate");
  }

  // ---- helpers -----------------------------------------------------------------------------------------------

  static byte[] aggregate(List<String> keys, List<String> data) {
    Aggregator aggregator = Aggregator.builder().aggregateLoneRecords(true).build();
    for (int i = 0; i < keys.size(); i++) {
      aggregator.add(keys.get(i), data.get(i).getBytes(StandardCharsets.UTF_8));
    }
    List<KinesisRecord> out = aggregator.flush();
    assertEquals(1, out.size());
    return out.get(0).dataBytes();
  }

  /** Changes the first partition key's first byte and recomputes the MD5: well-framed, invalid content. */
  static void corruptKeepingMd5(byte[] aggregate) {
    // Field 1 (partition key table) at offset 4: tag 0x0A, length, bytes. Make its tag an invalid wire type 7.
    aggregate[4] = 0x0F;
    try {
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      md5.update(aggregate, 4, aggregate.length - 20);
      System.arraycopy(md5.digest(), 0, aggregate, aggregate.length - 16, 16);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    assertEquals(io.kplcodec.Classification.CORRUPT, Deaggregator.create().classify(aggregate));
  }

  static Record record(byte[] data, String partitionKey) {
    return Record.builder()
        .data(SdkBytes.fromByteArray(data))
        .partitionKey(partitionKey)
        .sequenceNumber(SEQUENCE)
        .approximateArrivalTimestamp(ARRIVAL)
        .encryptionType(EncryptionType.KMS)
        .build();
  }

  static KinesisEventRecord eventRecord(byte[] data, String partitionKey) {
    KinesisEvent.Record record = new KinesisEvent.Record();
    record.setData(ByteBuffer.wrap(data));
    record.setPartitionKey(partitionKey);
    record.setSequenceNumber(SEQUENCE);
    record.setApproximateArrivalTimestamp(Date.from(ARRIVAL));
    record.setEncryptionType("NONE");
    record.setKinesisSchemaVersion("1.0");
    KinesisEventRecord eventRecord = new KinesisEventRecord();
    eventRecord.setKinesis(record);
    eventRecord.setEventSource("aws:kinesis");
    eventRecord.setEventSourceARN(ARN);
    eventRecord.setEventID("shardId-000000000000:" + SEQUENCE);
    eventRecord.setEventName("aws:kinesis:record");
    eventRecord.setAwsRegion("us-east-1");
    return eventRecord;
  }

  static KinesisClientRecord kclRecord(byte[] data) {
    return KinesisClientRecord.builder()
        .data(ByteBuffer.wrap(data))
        .partitionKey("outer")
        .sequenceNumber(SEQUENCE)
        .approximateArrivalTimestamp(ARRIVAL)
        .encryptionType(EncryptionType.NONE)
        .build();
  }

  static String keyInLowerHalf(boolean lower, String prefix) {
    ShardMap halves = ShardMap.builder()
        .add("low", LOWER_HALF)
        .add("high", "170141183460469231731687303715884105728", "340282366920938463463374607431768211455")
        .build();
    for (int i = 0; ; i++) {
      String key = prefix + i;
      if (halves.shardIdFor(key, null).equals(lower ? "low" : "high")) {
        return key;
      }
    }
  }
}
