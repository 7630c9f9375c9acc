package io.kplcodec.aws;

import io.kplcodec.CorruptAggregateException;
import io.kplcodec.Deaggregator;
import io.kplcodec.HashKeyRange;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.kinesis.retrieval.AggregatorUtil;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

/**
 * A drop-in for KCL 3.x's deaggregation: pass it to {@code configsBuilder.lifecycleConfig().aggregatorUtil(...)} and
 * every record a KCL worker processes is deaggregated by kpl-codec instead of {@link AggregatorUtil}.
 *
 * <p>Differences from KCL's own, all chosen by the wrapped {@link Deaggregator}:
 *
 * <ul>
 *   <li>Hash range: KCL drops a whole aggregate, silently, when one user record lies outside the shard's range.
 *       Here the wrapped deaggregator's {@link Deaggregator.HashRangePolicy} decides (default of {@link #create()}:
 *       drop only the out-of-range user records), and every dropped user record is counted and reported to its
 *       {@link Deaggregator.Listener}.
 *   <li>Corrupt aggregates (valid magic and MD5, invalid content): KCL keeps the user records before the bad one and
 *       loses the rest. Here the whole record is passed through raw, as KCL does with anything it does not take for
 *       an aggregate, and counted; the record processor sees it with {@code aggregated() == false}.
 *   <li>Data are read-only views of the received bytes: no copy per user record.
 * </ul>
 *
 * <p>Output records are the input record with the user record's data, partition key, explicit hash key and
 * sub-sequence number, and {@code aggregated() == true}: sequence number, arrival time, encryption type and schema
 * are the Kinesis record's, as KCL does it.
 *
 * <p>Thread-safe: KCL shares one instance between all shard consumers.
 */
public class KclDeaggregator extends AggregatorUtil {
  private final Deaggregator deaggregator;
  private final AtomicLong droppedUserRecords = new AtomicLong();
  private final AtomicLong corruptAggregates = new AtomicLong();

  /**
   * Deaggregates with {@code deaggregator}'s MD5 check, hash-range policy and listener. Its own hash range, if any,
   * is replaced by the range of the shard KCL is processing.
   *
   * @param deaggregator the MD5 check, hash-range policy and listener to deaggregate with
   * @throws NullPointerException if {@code deaggregator} is null
   */
  public KclDeaggregator(Deaggregator deaggregator) {
    this.deaggregator = Objects.requireNonNull(deaggregator, "deaggregator");
  }

  /**
   * Drops only the user records outside the shard's range, counting them ({@link #droppedUserRecords()}).
   *
   * @return a KCL deaggregator that verifies the MD5 and uses {@link
   *     Deaggregator.HashRangePolicy#DROP_OUT_OF_RANGE_RECORDS}, with no listener
   */
  public static KclDeaggregator create() {
    return new KclDeaggregator(Deaggregator.builder()
        .hashRangePolicy(Deaggregator.HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS)
        .build());
  }

  /**
   * User records dropped by the hash-range policy so far, over all shards.
   *
   * @return the count since this instance was made, every thread's calls included
   */
  public long droppedUserRecords() {
    return droppedUserRecords.get();
  }

  /**
   * Corrupt aggregates passed through raw so far.
   *
   * @return the count since this instance was made, every thread's calls included; those the wrapped deaggregator
   *     passes through itself ({@link Deaggregator.Builder#passCorruptAggregatesThrough}) are reported to its
   *     listener instead, not counted here
   */
  public long corruptAggregates() {
    return corruptAggregates.get();
  }

  /** KCL's entry point without a shard (the whole hash key space). */
  @Override
  public List<KinesisClientRecord> deaggregate(List<KinesisClientRecord> records) {
    return deaggregate(records, HashKeyRange.all());
  }

  /** KCL's entry point for a shard's records, with the shard's range as ListShards reports it. */
  @Override
  public List<KinesisClientRecord> deaggregate(List<KinesisClientRecord> records, String startingHashKey,
      String endingHashKey) {
    return deaggregate(records, HashKeyRange.of(startingHashKey, endingHashKey));
  }

  @Override
  public List<KinesisClientRecord> deaggregate(List<KinesisClientRecord> records, BigInteger startingHashKey,
      BigInteger endingHashKey) {
    return deaggregate(records, HashKeyRange.of(startingHashKey.toString(), endingHashKey.toString()));
  }

  private List<KinesisClientRecord> deaggregate(List<KinesisClientRecord> records, HashKeyRange range) {
    Deaggregator filtering = deaggregator.toBuilder().hashRange(range).build();
    List<KinesisClientRecord> out = new ArrayList<>(records.size());
    for (KinesisClientRecord record : records) {
      ByteBuffer data = record.data();
      int before = out.size();
      long kept;
      try {
        kept = visit(filtering, record, data, out);
      } catch (CorruptAggregateException e) {
        // Never a partial result: drop what this record produced and pass it through whole, as KCL passes through
        // whatever it does not take for an aggregate.
        out.subList(before, out.size()).clear();
        corruptAggregates.incrementAndGet();
        out.add(record);
        continue;
      }
      // Perf: a second pass only where the filter can drop something, and only over an aggregate that decoded (a
      // record passed through, raw or corrupt, is not one, and the count pass does not check MD5s).
      if (kept >= 0 && !range.equals(ALL)) {
        long total = countUserRecords(data);
        if (total > kept) {
          droppedUserRecords.addAndGet(total - kept);
        }
      }
    }
    return out;
  }

  /** User records kept from the record; -1 if it was passed through whole (raw, or corrupt and passed through). */
  private static long visit(Deaggregator filtering, KinesisClientRecord record, ByteBuffer data,
      List<KinesisClientRecord> out) {
    long[] kept = {0};
    filtering.visit(data, (partitionKey, explicitHashKey, source, offset, length, subSequenceNumber) -> {
      if (partitionKey == null) {
        kept[0] = -1;
        out.add(record); // not aggregated: passed through unchanged, as KCL does
        return;
      }
      kept[0]++;
      ByteBuffer userData = source.slice(offset, length); // source is the received buffer itself: maybe writable
      out.add(record.toBuilder()
          .data(userData.isReadOnly() ? userData : userData.asReadOnlyBuffer())
          .partitionKey(partitionKey)
          .explicitHashKey(explicitHashKey)
          .subSequenceNumber(subSequenceNumber)
          .aggregated(true)
          .build());
    });
    return kept[0];
  }

  /** User records in an aggregate that decoded once already (no hash-range filter, no MD5 check). */
  private static long countUserRecords(ByteBuffer data) {
    long[] count = {0};
    COUNTING.visit(data, (partitionKey, explicitHashKey, source, offset, length, subSequenceNumber) -> count[0]++);
    return count[0];
  }

  private static final HashKeyRange ALL = HashKeyRange.all();
  private static final Deaggregator COUNTING = Deaggregator.builder().verifyMd5(false).build();

  @Override
  public String toString() {
    return "KclDeaggregator{" + deaggregator + ", droppedUserRecords=" + droppedUserRecords
        + ", corruptAggregates=" + corruptAggregates + "}";
  }
}
