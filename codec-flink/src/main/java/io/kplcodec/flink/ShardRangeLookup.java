package io.kplcodec.flink;

import io.kplcodec.HashKeyRange;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the deaggregating deserialization schema learns a shard's hash key range: ListShards in a job, a fixed table
 * in tests. Serializable configuration; used on the source reader's thread only.
 */
interface ShardRangeLookup extends Serializable {
  /** The shard's hash key range, or null when it is not known (the lookup failed or was tried too recently). */
  HashKeyRange rangeOf(String stream, String shardId);

  /** ListShards with the connector's client built from these properties. */
  static ShardRangeLookup listShards(Properties clientProperties) {
    return new ListShards(KinesisShardLister.likeSource(clientProperties));
  }

  /**
   * {@link ShardRangeLookup#listShards}: lists a stream's shards (closed ones too) when it meets an unknown one. The
   * client lives for one lookup only, because a deserialization schema is never closed: lookups are rare (once per
   * stream, then once per new shard), and no client threads outlive them.
   */
  final class ListShards implements ShardRangeLookup {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ListShards.class);
    /** A stream is listed at most this often, so a shard that stays unknown cannot flood ListShards. */
    private static final long MIN_LIST_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long LIST_TIMEOUT_SECONDS = 30;

    /** Lists each stream's shards. */
    private final KinesisShardLister lister;
    private transient Map<String, Map<String, HashKeyRange>> rangesByStream;
    private transient Map<String, Long> lastListedNanos;

    ListShards(KinesisShardLister lister) {
      this.lister = lister;
    }

    @Override
    public HashKeyRange rangeOf(String stream, String shardId) {
      if (rangesByStream == null) {
        rangesByStream = new HashMap<>();
        lastListedNanos = new HashMap<>();
      }
      Map<String, HashKeyRange> ranges = rangesByStream.get(stream);
      HashKeyRange range = ranges == null ? null : ranges.get(shardId);
      if (range != null) {
        return range;
      }
      Long last = lastListedNanos.get(stream);
      long now = System.nanoTime();
      if (last != null && now - last < MIN_LIST_INTERVAL_NANOS) {
        return null;
      }
      lastListedNanos.put(stream, now);
      try {
        lister.open();
        rangesByStream.put(stream, KinesisShardLister.rangesById(
            lister.listShards(stream).get(LIST_TIMEOUT_SECONDS, TimeUnit.SECONDS)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      } catch (Exception e) {
        LOG.warn("ListShards failed for {}: user records of shard {} are not checked against its hash range until"
            + " a later lookup succeeds", stream, shardId, e);
        return null;
      } finally {
        lister.close();
      }
      range = rangesByStream.get(stream).get(shardId);
      if (range == null) {
        LOG.warn("ListShards for {} does not list shard {}: its user records are not checked against a hash range",
            stream, shardId);
      }
      return range;
    }
  }
}
