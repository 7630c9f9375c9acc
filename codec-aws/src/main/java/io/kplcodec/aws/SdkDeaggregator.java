package io.kplcodec.aws;

import io.kplcodec.Deaggregator;
import io.kplcodec.HashKeyRange;
import io.kplcodec.UserRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * Deaggregates the {@link Record}s that SDK v2 returns from GetRecords or delivers in SubscribeToShard events into
 * user records that keep the Kinesis record's sequence number, arrival time and encryption type.
 *
 * <p>Hash range: {@link #forShard(Shard)} filters with the range of the shard being read. {@link #create()} then
 * drops only the user records outside it (a reshard can leave some there) and counts them in {@link
 * #droppedUserRecords()}; {@link #of(Deaggregator)} applies that deaggregator's {@link Deaggregator.HashRangePolicy}
 * and reports drops to its listener. Corrupt aggregates throw {@link io.kplcodec.CorruptAggregateException} unless
 * the deaggregator passes them through.
 *
 * <p>Immutable and thread-safe. Data are read-only views of the SDK's bytes, not copies.
 */
public final class SdkDeaggregator {
  private final Deaggregator deaggregator;
  private final AtomicLong dropped;

  private SdkDeaggregator(Deaggregator deaggregator, AtomicLong dropped) {
    this.deaggregator = deaggregator;
    this.dropped = dropped;
  }

  /**
   * MD5 verified, corrupt aggregates thrown; with a shard's range, user records outside it dropped and counted in
   * {@link #droppedUserRecords()} (shared by the copies {@link #forShard} makes).
   */
  public static SdkDeaggregator create() {
    AtomicLong dropped = new AtomicLong();
    return new SdkDeaggregator(Deaggregator.builder()
        .hashRangePolicy(Deaggregator.HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS)
        .listener(new Deaggregator.Listener() {
          @Override
          public void dropped(UserRecord record, Deaggregator.DropReason reason) {
            dropped.incrementAndGet();
          }
        })
        .build(), dropped);
  }

  /** With this deaggregator's policies and listener ({@link #droppedUserRecords()} stays 0). */
  public static SdkDeaggregator of(Deaggregator deaggregator) {
    return new SdkDeaggregator(Objects.requireNonNull(deaggregator, "deaggregator"), new AtomicLong());
  }

  /** This deaggregator, filtering with the hash key range of the shard being read (from ListShards). */
  public SdkDeaggregator forShard(Shard shard) {
    return withHashRange(HashKeyRange.of(
        shard.hashKeyRange().startingHashKey(), shard.hashKeyRange().endingHashKey()));
  }

  /** This deaggregator, filtering with a hash key range. */
  public SdkDeaggregator withHashRange(HashKeyRange range) {
    return new SdkDeaggregator(deaggregator.toBuilder().hashRange(range).build(), dropped);
  }

  /** User records dropped for lying outside the shard's range, when made by {@link #create()}. */
  public long droppedUserRecords() {
    return dropped.get();
  }

  /** The user records of every record, in order. */
  public List<DeaggregatedRecord> deaggregate(List<Record> records) {
    List<DeaggregatedRecord> out = new ArrayList<>(records.size());
    for (Record record : records) {
      deaggregate(record, out);
    }
    return out;
  }

  /** The user records of one record, in order. */
  public List<DeaggregatedRecord> deaggregate(Record record) {
    List<DeaggregatedRecord> out = new ArrayList<>();
    deaggregate(record, out);
    return out;
  }

  private void deaggregate(Record record, List<DeaggregatedRecord> out) {
    ByteBuffer data = record.data().asByteBuffer();
    String encryptionType = record.encryptionTypeAsString();
    deaggregator.visit(data, (partitionKey, explicitHashKey, source, offset, length, subSequenceNumber) ->
        out.add(new DeaggregatedRecord(
            partitionKey == null ? record.partitionKey() : partitionKey,
            explicitHashKey,
            source.slice(offset, length),
            record.sequenceNumber(),
            subSequenceNumber,
            partitionKey != null,
            record.approximateArrivalTimestamp(),
            encryptionType,
            null)));
  }

  @Override
  public String toString() {
    return "SdkDeaggregator{" + deaggregator + "}";
  }
}
