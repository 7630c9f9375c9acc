package io.kplcodec.compat;

import io.kplcodec.Classification;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import software.amazon.awssdk.services.kinesis.model.EncryptionType;
import software.amazon.kinesis.retrieval.AggregatorUtil;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

/**
 * The real consumer, decode only: KCL 3.5.1's {@link AggregatorUtil#deaggregate(List, BigInteger, BigInteger)},
 * which is what a KCL worker runs on every GetRecords batch.
 *
 * <p>KCL has no notion of a corrupt aggregate: whatever it does not take for an aggregate (too short, no magic,
 * MD5 mismatch, protobuf that does not parse) it passes through, reported here as
 * {@link Classification#NOT_AGGREGATED}. What it does with a bad aggregate that parses is reported as it is, never
 * corrected:
 *
 * <ul>
 *   <li>it filters by hash range even without a shard's range (0..2^128-1), and one out-of-range user record
 *       drops the whole aggregate: {@code AGGREGATED} with no records;
 *   <li>it casts table indexes to {@code int}, so an index of 2^32 reads entry 0;
 *   <li>an index outside its table or an explicit hash key that is not a number sends it down an error path that
 *       needs {@code javax.xml.bind}, which KCL 3.5.1 does not depend on: the {@link NoClassDefFoundError} it then
 *       throws propagates from {@link #decode} (with {@code javax.xml.bind} present, KCL keeps the user records
 *       before the bad one and loses the rest).
 * </ul>
 *
 * <p>The record handed to KCL has a fixed outer partition key, sequence number and arrival time, which KCL copies
 * into every user record; {@link #deaggregate(KinesisClientRecord)} gives KCL's raw output for checking those.
 *
 * <p>Thread-safe: {@link AggregatorUtil} keeps no state.
 */
public final class KclCodec implements AggregateDecoder {
  /** The outer record's partition key. */
  public static final String OUTER_PARTITION_KEY = "kcl-outer-partition-key";
  /** The outer record's sequence number (any valid one). */
  public static final String OUTER_SEQUENCE_NUMBER = "49590338271490256608559692538361571095921575989136588898";
  /** The outer record's approximate arrival time. */
  public static final Instant OUTER_ARRIVAL = Instant.parse("2026-01-01T00:00:00Z");

  private final AggregatorUtil aggregatorUtil = new AggregatorUtil();
  private final BigInteger startingHashKey;
  private final BigInteger endingHashKey;

  private KclCodec(BigInteger startingHashKey, BigInteger endingHashKey) {
    this.startingHashKey = startingHashKey;
    this.endingHashKey = endingHashKey;
  }

  /** KCL's {@code deaggregate(records)}: the whole hash key space as the range. */
  public static KclCodec create() {
    return new KclCodec(null, null);
  }

  /** KCL consuming the shard with this range (decimal strings, as ListShards reports them). */
  public static KclCodec forShard(String startingHashKey, String endingHashKey) {
    return new KclCodec(new BigInteger(Objects.requireNonNull(startingHashKey, "startingHashKey")),
        new BigInteger(Objects.requireNonNull(endingHashKey, "endingHashKey")));
  }

  @Override
  public String name() {
    return startingHashKey == null ? "KCL" : "KCL [" + startingHashKey + ", " + endingHashKey + "]";
  }

  /** The record KCL would be handed by GetRecords for this data (outer keys as the aggregator chose them). */
  public static KinesisClientRecord kinesisClientRecord(byte[] data, String partitionKey, String explicitHashKey) {
    return KinesisClientRecord.builder()
        .data(ByteBuffer.wrap(data.clone()))
        .partitionKey(partitionKey)
        .explicitHashKey(explicitHashKey)
        .sequenceNumber(OUTER_SEQUENCE_NUMBER)
        .approximateArrivalTimestamp(OUTER_ARRIVAL)
        .encryptionType(EncryptionType.NONE)
        .build();
  }

  /** KCL's raw output for one record. */
  public List<KinesisClientRecord> deaggregate(KinesisClientRecord record) {
    List<KinesisClientRecord> input = List.of(record);
    return startingHashKey == null
        ? aggregatorUtil.deaggregate(input)
        : aggregatorUtil.deaggregate(input, startingHashKey, endingHashKey);
  }

  @Override
  public Decoded decode(byte[] record) {
    KinesisClientRecord outer = kinesisClientRecord(record, OUTER_PARTITION_KEY, null);
    List<KinesisClientRecord> result = deaggregate(outer);
    if (result.size() == 1 && result.get(0) == outer) {
      return Decoded.notAggregated(bytes(outer.data()));
    }
    List<CompatRecord> records = new ArrayList<>(result.size());
    List<Long> subSequenceNumbers = new ArrayList<>(result.size());
    for (KinesisClientRecord userRecord : result) {
      records.add(new CompatRecord(userRecord.partitionKey(), userRecord.explicitHashKey(), bytes(userRecord.data())));
      subSequenceNumbers.add(userRecord.subSequenceNumber());
    }
    return new Decoded(Classification.AGGREGATED, records, subSequenceNumbers, null);
  }

  /** The remaining bytes of a buffer, without moving its position. */
  public static byte[] bytes(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return out;
  }

  @Override
  public String toString() {
    return name();
  }
}
