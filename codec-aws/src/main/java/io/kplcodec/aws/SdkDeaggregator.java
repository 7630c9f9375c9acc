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
   *
   * @return an SDK deaggregator with no hash range yet: give it the shard's with {@link #forShard} or {@link
   *     #withHashRange}
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

  /**
   * With this deaggregator's policies and listener ({@link #droppedUserRecords()} stays 0).
   *
   * @param deaggregator its MD5 check, corrupt-aggregate and hash-range policies, hash range and listener apply
   * @return an SDK deaggregator over it
   * @throws NullPointerException if {@code deaggregator} is null
   */
  public static SdkDeaggregator of(Deaggregator deaggregator) {
    return new SdkDeaggregator(Objects.requireNonNull(deaggregator, "deaggregator"), new AtomicLong());
  }

  /**
   * This deaggregator, filtering with the hash key range of the shard being read (from ListShards).
   *
   * @param shard the shard being read, with its hash key range
   * @return a new SDK deaggregator with the same policies and drop count, and the shard's range in place of any
   *     range this one has; this one is unchanged
   * @throws IllegalArgumentException if the shard's range is not a valid hash key range (see {@link
   *     HashKeyRange#of(String, String)})
   */
  public SdkDeaggregator forShard(Shard shard) {
    return withHashRange(HashKeyRange.of(
        shard.hashKeyRange().startingHashKey(), shard.hashKeyRange().endingHashKey()));
  }

  /**
   * This deaggregator, filtering with a hash key range.
   *
   * @param range the range of the shard being read; it filters only under a hash-range policy other than {@link
   *     Deaggregator.HashRangePolicy#KEEP_ALL}
   * @return a new SDK deaggregator with the same policies and drop count, and this range in place of any range this
   *     one has; this one is unchanged
   * @throws NullPointerException if {@code range} is null
   */
  public SdkDeaggregator withHashRange(HashKeyRange range) {
    return new SdkDeaggregator(deaggregator.toBuilder().hashRange(range).build(), dropped);
  }

  /**
   * User records dropped for lying outside the shard's range, when made by {@link #create()}.
   *
   * @return the count shared by the deaggregator {@link #create()} made and every copy {@link #forShard} and {@link
   *     #withHashRange} made of it, whichever is asked; always 0 when made by {@link #of}
   */
  public long droppedUserRecords() {
    return dropped.get();
  }

  /**
   * The user records of every record, in order.
   *
   * @param records records from GetRecords or a SubscribeToShard event; their data are not copied
   * @return a new list: the user records of each record in turn, each in aggregate order
   * @throws io.kplcodec.CorruptAggregateException if a record is a corrupt aggregate and the deaggregator does not
   *     pass those through (the default of {@link #create()}); nothing is returned for the list then
   */
  public List<DeaggregatedRecord> deaggregate(List<Record> records) {
    List<DeaggregatedRecord> out = new ArrayList<>(records.size());
    for (Record record : records) {
      deaggregate(record, out);
    }
    return out;
  }

  /**
   * The user records of one record, in order.
   *
   * @param record a record from GetRecords or a SubscribeToShard event; its data are not copied
   * @return a new list of its user records in aggregate order: one record, not aggregated, if it is not an aggregate
   * @throws io.kplcodec.CorruptAggregateException if it is a corrupt aggregate and the deaggregator does not pass
   *     those through (the default of {@link #create()})
   */
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
