package io.kplcodec.flink;

import io.kplcodec.Aggregator;
import io.kplcodec.KinesisRecord;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Aggregation without a shard map: each aggregate holds the user records of one partition key only, so it lands
 * where each of them would have landed alone, on any shard map and across reshards, and a consumer's hash-range
 * check never drops anything. It packs well for streams with hot partition keys; with unique keys every user record
 * goes out raw, as through the plain sink.
 *
 * <p>At most {@link #MAX_OPEN_PARTITION_KEYS} keys have an open aggregate; a new key beyond that completes the
 * least recently used key's aggregate first, which bounds memory whatever the key space. Completed aggregators are
 * kept for reuse (each holds a few KB of scratch space).
 *
 * <p>Not thread-safe: the operator's task thread only.
 */
final class PartitionKeyAggregation {
  static final int MAX_OPEN_PARTITION_KEYS = 256;

  private final int maxRecordSize;
  /** Open aggregators by partition key, least recently used first. */
  private final LinkedHashMap<String, Aggregator> open = new LinkedHashMap<>(64, 0.75f, true);
  private final ArrayDeque<Aggregator> idle = new ArrayDeque<>();
  private int pending;

  PartitionKeyAggregation(int maxRecordSize) {
    this.maxRecordSize = maxRecordSize;
  }

  /**
   * Adds a user record, handing completed records to {@code out}.
   *
   * @throws IllegalArgumentException if the partition key is invalid
   * @throws io.kplcodec.RecordTooLargeException if the user record can never be sent
   */
  void add(String partitionKey, byte[] data, Consumer<KinesisRecord> out) {
    Aggregator aggregator = open.get(partitionKey);
    if (aggregator == null) {
      if (open.size() >= MAX_OPEN_PARTITION_KEYS) {
        Iterator<Map.Entry<String, Aggregator>> eldest = open.entrySet().iterator();
        Aggregator evicted = eldest.next().getValue();
        eldest.remove();
        complete(evicted, out);
      }
      aggregator = idle.isEmpty() ? Aggregator.builder().maxRecordSize(maxRecordSize).build() : idle.pop();
      // Refused records change nothing: an aggregator left empty in the map is harmless and reused.
      open.put(partitionKey, aggregator);
    }
    KinesisRecord completed = aggregator.add(partitionKey, data);
    pending++;
    if (completed != null) {
      pending -= completed.userRecordCount();
      out.accept(completed);
    }
  }

  /** Completes every open aggregate. */
  void flush(Consumer<KinesisRecord> out) {
    for (Aggregator aggregator : open.values()) {
      complete(aggregator, out);
    }
    open.clear();
  }

  /** User records added but not yet handed out. */
  int pendingUserRecordCount() {
    return pending;
  }

  private void complete(Aggregator aggregator, Consumer<KinesisRecord> out) {
    for (KinesisRecord record : aggregator.flush()) {
      pending -= record.userRecordCount();
      out.accept(record);
    }
    idle.push(aggregator);
  }
}
