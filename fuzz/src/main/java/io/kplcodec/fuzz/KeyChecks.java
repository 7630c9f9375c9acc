package io.kplcodec.fuzz;

import io.kplcodec.Aggregator;
import io.kplcodec.HashKeyRange;
import io.kplcodec.KinesisRecord;
import io.kplcodec.ShardMap;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * kpl-codec's text parsing (explicit hash keys, shard range bounds, partition keys) against a reference built on
 * {@link BigInteger} and a regular expression: every call must accept exactly the text the reference accepts, give
 * the same answers on it, and refuse anything else with an {@link IllegalArgumentException}, the only exception
 * allowed to escape. Range bounds must be canonical ({@link HashKeys#parse}); explicit hash keys and probed hash keys
 * may be in any form the KPL accepts ({@link HashKeys#parseGiven}) and are sent canonical. Used by the Jazzer
 * key-parsing target and the jqwik properties. Thread-safe.
 */
public final class KeyChecks {
  private KeyChecks() {}

  /** Whether the service (and kpl-codec) accepts this partition key: 1 to 256 UTF-16 units. */
  public static boolean validPartitionKey(String partitionKey) {
    return partitionKey != null && !partitionKey.isEmpty() && partitionKey.length() <= 256;
  }

  /** {@link HashKeyRange#of}, {@link HashKeyRange#contains} and {@link HashKeyRange#containsRecord}. */
  public static void checkRange(String start, String end, String probe, String partitionKey) {
    BigInteger s = HashKeys.parse(start);
    BigInteger e = HashKeys.parse(end);
    boolean valid = s != null && e != null && s.compareTo(e) <= 0;
    HashKeyRange range = expect(valid, () -> HashKeyRange.of(start, end),
        "HashKeyRange.of(" + quote(start) + ", " + quote(end) + ")");
    if (range == null) {
      return;
    }
    if (!range.startingHashKey().equals(start) || !range.endingHashKey().equals(end)
        || !range.equals(HashKeyRange.of(start, end))) {
      throw new AssertionError("HashKeyRange.of(" + start + ", " + end + ") reads back as " + range);
    }
    BigInteger p = HashKeys.parseGiven(probe);
    Boolean contains = expect(p != null, () -> range.contains(probe), range + ".contains(" + quote(probe) + ")");
    if (contains != null && contains != (s.compareTo(p) <= 0 && p.compareTo(e) <= 0)) {
      throw new AssertionError(range + ".contains(" + probe + ") said " + contains);
    }
    Boolean byRecord = expect(p != null, () -> range.containsRecord(partitionKey, probe),
        range + ".containsRecord(" + quote(partitionKey) + ", " + quote(probe) + ")");
    if (byRecord != null && !byRecord.equals(contains)) {
      throw new AssertionError(range + ".containsRecord with explicit hash key " + probe + " said " + byRecord);
    }
    BigInteger md5 = HashKeys.ofPartitionKey(partitionKey);
    boolean byPartitionKey = range.containsRecord(partitionKey, null);
    if (byPartitionKey != (s.compareTo(md5) <= 0 && md5.compareTo(e) <= 0)) {
      throw new AssertionError(range + ".containsRecord(" + quote(partitionKey) + ", null) said " + byPartitionKey
          + " for hash key " + md5);
    }
  }

  /**
   * {@link ShardMap.Builder} with shards given as {@code {id, start, end}} text, then {@link ShardMap#shardIdFor}.
   */
  public static void checkShardMap(List<String[]> shards, String partitionKey, String explicitHashKey) {
    ShardMap.Builder builder = ShardMap.builder();
    List<BigInteger[]> ranges = new ArrayList<>();
    for (String[] shard : shards) {
      BigInteger s = HashKeys.parse(shard[1]);
      BigInteger e = HashKeys.parse(shard[2]);
      boolean valid = s != null && e != null && s.compareTo(e) <= 0;
      Object added = expect(valid, () -> builder.add(shard[0], shard[1], shard[2]),
          "ShardMap.Builder.add(" + quote(shard[0]) + ", " + quote(shard[1]) + ", " + quote(shard[2]) + ")");
      if (added == null) {
        return;
      }
      ranges.add(new BigInteger[] {s, e});
    }
    Set<String> ids = new HashSet<>();
    boolean distinct = true;
    for (String[] shard : shards) {
      distinct &= ids.add(shard[0]);
    }
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < ranges.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparing(i -> ranges.get(i)[0]));
    BigInteger next = BigInteger.ZERO;
    boolean tiles = !ranges.isEmpty();
    for (int i : order) {
      tiles &= next != null && ranges.get(i)[0].equals(next);
      BigInteger end = ranges.get(i)[1];
      next = end.equals(HashKeys.MAX) ? null : end.add(BigInteger.ONE);
    }
    tiles &= next == null;
    ShardMap map = expect(distinct && tiles, builder::build, "ShardMap.Builder.build() of " + describe(shards));
    if (map == null) {
      return;
    }
    List<String> expectedIds = new ArrayList<>();
    for (int i : order) {
      expectedIds.add(shards.get(i)[0]);
      HashKeyRange r = map.range(shards.get(i)[0]);
      if (!r.startingHashKey().equals(shards.get(i)[1]) || !r.endingHashKey().equals(shards.get(i)[2])) {
        throw new AssertionError("range(" + shards.get(i)[0] + ") is " + r);
      }
    }
    if (!map.shardIds().equals(expectedIds)) {
      throw new AssertionError("shardIds() " + map.shardIds() + ", expected " + expectedIds);
    }
    BigInteger key = HashKeys.ofGivenRecord(partitionKey, explicitHashKey);
    String owner = expect(key != null, () -> map.shardIdFor(partitionKey, explicitHashKey),
        "shardIdFor(" + quote(partitionKey) + ", " + quote(explicitHashKey) + ")");
    if (owner != null) {
      String expected = null;
      for (int i : order) {
        if (ranges.get(i)[0].compareTo(key) <= 0 && key.compareTo(ranges.get(i)[1]) <= 0) {
          expected = shards.get(i)[0];
        }
      }
      if (!owner.equals(expected)) {
        throw new AssertionError("shardIdFor(" + partitionKey + ", " + explicitHashKey + ") with hash key " + key
            + " said " + owner + ", expected " + expected + " in " + map);
      }
    }
  }

  /**
   * {@link KinesisRecord#of}, {@link Aggregator.Builder#fixedPartitionKey} and {@link Aggregator#add}, with and
   * without a shard map, and the keys an aggregator sends the record with.
   */
  public static void checkRecordKeys(String partitionKey, String explicitHashKey, byte[] data, ShardLayout layout) {
    BigInteger ehk = explicitHashKey == null ? null : HashKeys.parseGiven(explicitHashKey);
    boolean validEhk = explicitHashKey == null || ehk != null;
    String canonicalEhk = ehk == null ? null : ehk.toString(); // what is sent: the service takes only this form
    boolean validPk = validPartitionKey(partitionKey);
    String call = "(" + quote(partitionKey) + ", " + quote(explicitHashKey) + ")";
    KinesisRecord plain = expect(validPk && validEhk, () -> KinesisRecord.of(partitionKey, explicitHashKey, data),
        "KinesisRecord.of" + call);
    if (plain != null && (!plain.partitionKey().equals(partitionKey)
        || !java.util.Objects.equals(plain.explicitHashKey(), canonicalEhk) || plain.userRecordCount() != 1)) {
      throw new AssertionError("KinesisRecord.of" + call + " gave " + plain);
    }
    expect(validPk, () -> Aggregator.builder().fixedPartitionKey(partitionKey),
        "Aggregator.Builder.fixedPartitionKey(" + quote(partitionKey) + ")");

    BigInteger hashKey = ehk != null ? ehk : validPk ? HashKeys.ofPartitionKey(partitionKey) : null;
    for (boolean aggregateLone : new boolean[] {false, true}) {
      for (boolean sharded : new boolean[] {false, true}) {
        Aggregator.Builder b = Aggregator.builder().aggregateLoneRecords(aggregateLone);
        if (sharded) {
          b.shardMap(layout.toShardMap());
        }
        Aggregator aggregator = b.build();
        Object added = expect(validPk && validEhk, () -> {
          aggregator.add(partitionKey, explicitHashKey, data);
          return Boolean.TRUE;
        }, "Aggregator.add" + call);
        if (added == null) {
          if (aggregator.pendingUserRecordCount() != 0) {
            throw new AssertionError("A refused user record is pending: Aggregator.add" + call);
          }
          continue;
        }
        List<KinesisRecord> out = aggregator.flush();
        if (out.size() != 1) {
          throw new AssertionError("One user record flushed as " + out);
        }
        KinesisRecord r = out.get(0);
        String expectedEhk = aggregateLone ? hashKey.toString() : canonicalEhk;
        String expectedShard = sharded ? layout.owner(hashKey).id() : null;
        if (!r.partitionKey().equals(partitionKey) || !java.util.Objects.equals(r.explicitHashKey(), expectedEhk)
            || !java.util.Objects.equals(r.predictedShardId(), expectedShard) || r.isAggregated() != aggregateLone) {
          throw new AssertionError("Aggregator.add" + call + " (aggregateLoneRecords=" + aggregateLone + ", sharded="
              + sharded + ") sent " + r + "; expected explicit hash key " + expectedEhk + " and shard "
              + expectedShard);
        }
      }
    }
  }

  /**
   * Runs {@code call}: returns its result if {@code valid}; if not, expects an {@link IllegalArgumentException} and
   * returns null.
   */
  private static <T> T expect(boolean valid, Supplier<T> call, String what) {
    T result;
    try {
      result = call.get();
    } catch (IllegalArgumentException e) {
      if (valid) {
        throw new AssertionError(what + " refused valid input: " + e.getMessage(), e);
      }
      return null;
    }
    if (!valid) {
      throw new AssertionError(what + " accepted invalid input");
    }
    return result;
  }

  private static String describe(List<String[]> shards) {
    StringBuilder s = new StringBuilder("[");
    for (String[] shard : shards) {
      s.append(' ').append(shard[0]).append('=').append(shard[1]).append("..").append(shard[2]);
    }
    return s.append(" ]").toString();
  }

  private static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < s.length() && i < 80; i++) {
      char c = s.charAt(i);
      out.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04X", (int) c));
    }
    return out.append(s.length() > 80 ? "...\"" : "\"").toString();
  }
}
