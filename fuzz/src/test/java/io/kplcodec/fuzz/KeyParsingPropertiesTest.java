package io.kplcodec.fuzz;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Every text parser against the {@link BigInteger} reference ({@link KeyChecks}), on text that is or nearly is a
 * hash key, and on shard maps from ListShards-like text after splits and merges, with bounds sometimes broken.
 */
class KeyParsingPropertiesTest {
  static final int RANGE_TRIES = 3000;
  static final int SHARD_MAP_TRIES = 1000;
  static final int RECORD_KEY_TRIES = 1000;

  @Property(tries = RANGE_TRIES)
  void hashKeyRangesParseExactlyTheCanonicalDecimals(@ForAll("hashKeyText") String start,
      @ForAll("hashKeyText") String end, @ForAll("hashKeyText") String probe,
      @ForAll("partitionKeys") String partitionKey) {
    KeyChecks.checkRange(start, end, probe, partitionKey);
    Statistics.label("start valid").collect(HashKeys.parse(start) != null);
  }

  /** A stream's shards as ListShards reports them; sometimes one bound or id broken, or a shard missing. */
  @Property(tries = SHARD_MAP_TRIES)
  void shardMapsBuildExactlyFromTilings(@ForAll("layouts") ShardLayout layout, @ForAll("damage") int damage,
      @ForAll("hashKeyText") String replacement, @ForAll("partitionKeys") String partitionKey,
      @ForAll("hashKeyText") String explicitHashKey, @ForAll boolean withExplicitHashKey) {
    List<String[]> shards = new ArrayList<>();
    for (ShardLayout.Shard s : layout.shards()) {
      shards.add(new String[] {s.id(), s.start().toString(), s.end().toString()});
    }
    if (damage > 0) {
      int i = damage % shards.size();
      switch (damage % 4) {
        case 0 -> shards.get(i)[1] = replacement;
        case 1 -> shards.get(i)[2] = replacement;
        case 2 -> shards.remove(i);
        default -> shards.get(i)[0] = shards.get((i + 1) % shards.size())[0];
      }
    }
    java.util.Collections.reverse(shards);
    KeyChecks.checkShardMap(shards, partitionKey, withExplicitHashKey ? explicitHashKey : null);
    Statistics.label("damaged").collect(damage > 0);
  }

  @Property(tries = RECORD_KEY_TRIES)
  void userRecordKeysAreValidatedAsTheServiceDoes(@ForAll("anyPartitionKey") String partitionKey,
      @ForAll("hashKeyText") String explicitHashKey, @ForAll boolean withExplicitHashKey,
      @ForAll("layouts") ShardLayout layout) {
    KeyChecks.checkRecordKeys(partitionKey, withExplicitHashKey ? explicitHashKey : null, new byte[3], layout);
  }

  @Provide
  Arbitrary<String> hashKeyText() {
    return HashKeys.hashKeyLikeText();
  }

  @Provide
  Arbitrary<String> partitionKeys() {
    return UserRecords.partitionKeys();
  }

  @Provide
  Arbitrary<String> anyPartitionKey() {
    return Arbitraries.oneOf(UserRecords.partitionKeys(), Arbitraries.just(""), UserRecords.mixedText(257, 300),
        Arbitraries.strings().ofMinLength(255).ofMaxLength(258));
  }

  @Provide
  Arbitrary<ShardLayout> layouts() {
    return ShardLayouts.layouts();
  }

  @Provide
  Arbitrary<Integer> damage() {
    return Arbitraries.integers().between(0, 1000).map(n -> n < 500 ? 0 : n);
  }
}
