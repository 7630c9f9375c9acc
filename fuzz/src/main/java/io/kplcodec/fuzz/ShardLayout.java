package io.kplcodec.fuzz;

import io.kplcodec.ShardMap;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The open shards of a stream as a reference model with {@link BigInteger} ranges: created evenly as CreateStream
 * does, then split and merged as SplitShard and MergeShards do. Knows which shard owns a hash key without using
 * codec-core, and builds the equivalent {@link ShardMap}. Immutable and thread-safe.
 */
public final class ShardLayout {
  /** One open shard: {@code [start, end]}, both included. */
  public record Shard(String id, BigInteger start, BigInteger end) {
    public Shard {
      Objects.requireNonNull(id);
      if (start.signum() < 0 || end.compareTo(HashKeys.MAX) > 0 || start.compareTo(end) > 0) {
        throw new IllegalArgumentException("bad range [" + start + ", " + end + "]");
      }
    }

    public boolean contains(BigInteger hashKey) {
      return start.compareTo(hashKey) <= 0 && hashKey.compareTo(end) <= 0;
    }
  }

  private final List<Shard> shards; // sorted by start, tiling 0..2^128-1
  private final List<String> history;
  private final int nextId;

  private ShardLayout(List<Shard> shards, List<String> history, int nextId) {
    this.shards = List.copyOf(shards);
    this.history = List.copyOf(history);
    this.nextId = nextId;
  }

  /** {@code count} shards of (nearly) equal width, as CreateStream lays them out. */
  public static ShardLayout even(int count) {
    if (count < 1) {
      throw new IllegalArgumentException("count must be positive: " + count);
    }
    BigInteger space = HashKeys.MAX.add(BigInteger.ONE);
    List<Shard> shards = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      BigInteger start = space.multiply(BigInteger.valueOf(i)).divide(BigInteger.valueOf(count));
      BigInteger end = space.multiply(BigInteger.valueOf(i + 1)).divide(BigInteger.valueOf(count))
          .subtract(BigInteger.ONE);
      shards.add(new Shard(id(i), start, end));
    }
    return new ShardLayout(shards, List.of("create " + count), count);
  }

  private static String id(int n) {
    return String.format("shardId-%012d", n);
  }

  /** The open shards in hash key order. */
  public List<Shard> shards() {
    return shards;
  }

  /** The operations that produced this layout. */
  public List<String> history() {
    return history;
  }

  /** Whether shard {@code index} can be split (it holds at least two hash keys). */
  public boolean canSplit(int index) {
    Shard s = shards.get(index);
    return s.end().compareTo(s.start()) > 0;
  }

  /**
   * SplitShard: shard {@code index} becomes two children, {@code [start, newStartingHashKey - 1]} and
   * {@code [newStartingHashKey, end]}.
   *
   * @throws IllegalArgumentException unless {@code start < newStartingHashKey <= end}
   */
  public ShardLayout split(int index, BigInteger newStartingHashKey) {
    Shard parent = shards.get(index);
    if (newStartingHashKey.compareTo(parent.start()) <= 0 || newStartingHashKey.compareTo(parent.end()) > 0) {
      throw new IllegalArgumentException("split point " + newStartingHashKey + " outside (" + parent.start() + ", "
          + parent.end() + "]");
    }
    List<Shard> next = new ArrayList<>(shards);
    next.set(index, new Shard(id(nextId), parent.start(), newStartingHashKey.subtract(BigInteger.ONE)));
    next.add(index + 1, new Shard(id(nextId + 1), newStartingHashKey, parent.end()));
    List<String> h = new ArrayList<>(history);
    h.add("split " + parent.id() + " at " + newStartingHashKey);
    return new ShardLayout(next, h, nextId + 2);
  }

  /** MergeShards: shard {@code index} and its right neighbour become one. */
  public ShardLayout merge(int index) {
    if (index < 0 || index + 1 >= shards.size()) {
      throw new IllegalArgumentException("no adjacent shard to merge " + index + " with");
    }
    Shard left = shards.get(index);
    Shard right = shards.get(index + 1);
    List<Shard> next = new ArrayList<>(shards);
    next.set(index, new Shard(id(nextId), left.start(), right.end()));
    next.remove(index + 1);
    List<String> h = new ArrayList<>(history);
    h.add("merge " + left.id() + " + " + right.id());
    return new ShardLayout(next, h, nextId + 1);
  }

  /** The shard owning {@code hashKey}. */
  public Shard owner(BigInteger hashKey) {
    int lo = 0;
    int hi = shards.size() - 1;
    while (lo < hi) {
      int mid = (lo + hi + 1) >>> 1;
      if (shards.get(mid).start().compareTo(hashKey) <= 0) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return shards.get(lo);
  }

  /** Every range boundary: each shard's first and last hash key. */
  public List<BigInteger> boundaries() {
    List<BigInteger> out = new ArrayList<>();
    for (Shard s : shards) {
      out.add(s.start());
      out.add(s.end());
    }
    return out;
  }

  /** The equivalent {@link ShardMap}, shards added in hash key order. */
  public ShardMap toShardMap() {
    return toShardMap(false);
  }

  /** The equivalent {@link ShardMap}, shards added in reverse order if asked (the map must sort them). */
  public ShardMap toShardMap(boolean reversed) {
    List<Shard> order = new ArrayList<>(shards);
    if (reversed) {
      Collections.reverse(order);
    }
    ShardMap.Builder builder = ShardMap.builder();
    for (Shard s : order) {
      builder.add(s.id(), s.start().toString(), s.end().toString());
    }
    return builder.build();
  }

  @Override
  public String toString() {
    return "ShardLayout" + history + " " + shards.size() + " shards";
  }
}
