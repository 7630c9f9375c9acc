package io.kplcodec;

import io.kplcodec.internal.HashKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The open shards of a stream with their hash key ranges, as ListShards reports them, for routing user records to
 * the shard Kinesis will put them on.
 *
 * <p>The ranges must cover the whole hash key space 0..2^128-1 without gaps or overlaps, as a stream's open shards
 * do; a map that does not is refused when built, so routing never fails later. During a reshard, ListShards also
 * returns closed parent shards: pass only the open ones (those without an ending sequence number).
 *
 * <p>Immutable and thread-safe.
 */
public final class ShardMap {
  private final String[] shardIds; // sorted by starting hash key
  private final HashKeyRange[] ranges;
  private final long[] startHighs;
  private final long[] startLows;
  private final Map<String, HashKeyRange> byId;

  private ShardMap(List<String> ids, List<HashKeyRange> sortedRanges) {
    int n = ids.size();
    shardIds = ids.toArray(new String[0]);
    ranges = sortedRanges.toArray(new HashKeyRange[0]);
    startHighs = new long[n];
    startLows = new long[n];
    Map<String, HashKeyRange> map = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      startHighs[i] = ranges[i].startHigh;
      startLows[i] = ranges[i].startLow;
      map.put(shardIds[i], ranges[i]);
    }
    byId = Collections.unmodifiableMap(map);
  }

  /**
   * A builder for a shard map.
   *
   * @return a new, empty builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A map of one shard owning every hash key.
   *
   * @param shardId the id of the stream's only shard, not null
   * @return the map
   */
  public static ShardMap singleShard(String shardId) {
    return builder().add(shardId, HashKeyRange.all()).build();
  }

  /**
   * Number of shards.
   *
   * @return the number of shards, at least 1
   */
  public int size() {
    return shardIds.length;
  }

  /**
   * Shard ids in hash key order.
   *
   * @return the ids, unmodifiable; as many as {@link #size()}
   */
  public List<String> shardIds() {
    return Collections.unmodifiableList(Arrays.asList(shardIds));
  }

  /**
   * The hash key range of a shard, or null if the map has no such shard.
   *
   * @param shardId the shard's id
   * @return the shard's range, or null
   */
  public HashKeyRange range(String shardId) {
    return byId.get(shardId);
  }

  /**
   * The shard Kinesis puts a record with this partition key and explicit hash key on: the owner of the explicit
   * hash key if present (in any form the KPL accepts, see {@link AggregateEncoder}), else of the MD5 of the partition
   * key.
   *
   * @param partitionKey the record's partition key
   * @param explicitHashKey its explicit hash key, or null
   * @return the id of the shard that owns the record's hash key
   * @throws IllegalArgumentException if the explicit hash key is not a hash key
   */
  public String shardIdFor(String partitionKey, String explicitHashKey) {
    HashKey key = HashKey.ofRecord(partitionKey, explicitHashKey);
    return shardIds[indexOf(key.high(), key.low())];
  }

  String shardId(int index) {
    return shardIds[index];
  }

  /** Index of the shard owning the hash key: a binary search over the starting keys, no allocation. */
  int indexOf(long high, long low) {
    int lo = 0;
    int hi = shardIds.length - 1;
    while (lo < hi) { // the last shard whose start is <= key; the first start is 0, so one exists
      int mid = (lo + hi + 1) >>> 1;
      if (HashKey.compare(startHighs[mid], startLows[mid], high, low) <= 0) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return lo;
  }

  /** Equal when both have the same shard ids with the same hash key ranges. */
  @Override
  public boolean equals(Object o) {
    return o instanceof ShardMap && byId.equals(((ShardMap) o).byId);
  }

  @Override
  public int hashCode() {
    return byId.hashCode();
  }

  @Override
  public String toString() {
    return "ShardMap" + byId;
  }

  /** Collects shards and checks, on {@link #build()}, that they tile the hash key space. Not thread-safe. */
  public static final class Builder {
    private final List<String> ids = new ArrayList<>();
    private final List<HashKeyRange> ranges = new ArrayList<>();

    private Builder() {}

    /**
     * Adds a shard with its range as ListShards reports it (decimal strings).
     *
     * @param shardId the shard's id, not null
     * @param startingHashKey the first hash key of its range, canonical decimal (see {@link HashKeyRange#of})
     * @param endingHashKey the last hash key of its range, canonical decimal, not below the start
     * @return this builder
     * @throws IllegalArgumentException if the range is invalid (see {@link HashKeyRange#of})
     */
    public Builder add(String shardId, String startingHashKey, String endingHashKey) {
      return add(shardId, HashKeyRange.of(startingHashKey, endingHashKey));
    }

    /**
     * Adds a shard with its range.
     *
     * @param shardId the shard's id, not null
     * @param range its hash key range, not null
     * @return this builder
     */
    public Builder add(String shardId, HashKeyRange range) {
      ids.add(Objects.requireNonNull(shardId, "shardId"));
      ranges.add(Objects.requireNonNull(range, "range"));
      return this;
    }

    /**
     * The shard map.
     *
     * @return a new map of the shards added so far
     * @throws IllegalArgumentException if there are no shards, a shard id repeats, or the ranges leave a gap, overlap,
     *     or do not reach from 0 to 2^128-1
     */
    public ShardMap build() {
      if (ids.isEmpty()) {
        throw new IllegalArgumentException("A shard map needs at least one shard");
      }
      Set<String> seen = new HashSet<>();
      for (String id : ids) {
        if (!seen.add(id)) {
          throw new IllegalArgumentException("Shard " + id + " appears twice");
        }
      }
      Integer[] order = new Integer[ids.size()];
      for (int i = 0; i < order.length; i++) {
        order[i] = i;
      }
      Arrays.sort(order, Comparator.comparing((Integer i) -> ranges.get(i),
          (a, b) -> HashKey.compare(a.startHigh, a.startLow, b.startHigh, b.startLow)));
      List<String> sortedIds = new ArrayList<>();
      List<HashKeyRange> sortedRanges = new ArrayList<>();
      long expectedHigh = 0;
      long expectedLow = 0;
      boolean coveredAll = false;
      for (Integer i : order) {
        HashKeyRange range = ranges.get(i);
        if (coveredAll || HashKey.compare(range.startHigh, range.startLow, expectedHigh, expectedLow) != 0) {
          String expected = coveredAll ? "nothing (the space is already covered)" : HashKey.toDecimal(expectedHigh, expectedLow);
          throw new IllegalArgumentException("Shard " + ids.get(i) + " starts at " + range.startingHashKey()
              + " but the next uncovered hash key is " + expected
              + ": the shard map must cover 0..2^128-1 without gaps or overlaps (pass only open shards)");
        }
        sortedIds.add(ids.get(i));
        sortedRanges.add(range);
        coveredAll = range.endHigh == -1L && range.endLow == -1L;
        expectedLow = range.endLow + 1;
        expectedHigh = range.endHigh + (expectedLow == 0 ? 1 : 0);
      }
      if (!coveredAll) {
        throw new IllegalArgumentException("The shard map ends at " + sortedRanges.get(sortedRanges.size() - 1).endingHashKey()
            + ": it must cover 0..2^128-1 (340282366920938463463374607431768211455)");
      }
      return new ShardMap(sortedIds, sortedRanges);
    }
  }
}
