package io.kplcodec.fuzz;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Jazzer target for every text parser of codec-core: explicit hash keys and range bounds ({@code HashKeyRange.of},
 * {@code contains}, {@code containsRecord}), shard maps ({@code ShardMap.Builder}, {@code shardIdFor}), and the
 * keys of a user record ({@code Aggregator.add} with and without a shard map, {@code KinesisRecord.of},
 * {@code fixedPartitionKey}), against the {@link java.math.BigInteger} reference in {@link KeyChecks}. Only
 * {@link IllegalArgumentException} may escape, and only for text the reference refuses.
 *
 * <p>Regression mode replays {@code src/test/resources/io/kplcodec/fuzz/KeyParsingFuzzTestInputs/parseKeys}; a
 * campaign: see the module README.
 */
class KeyParsingFuzzTest {
  private static final ShardLayout LAYOUT = ShardLayout.even(3).split(1, BigInteger.ONE.shiftLeft(127))
      .merge(0);

  @FuzzTest(maxDuration = "30s")
  void parseKeys(FuzzedDataProvider data) {
    String start = text(data);
    String end = text(data);
    String probe = text(data);
    String partitionKey = data.consumeBoolean() ? data.consumeAsciiString(300) : data.consumeString(300);
    KeyChecks.checkRange(start, end, probe, partitionKey);

    List<String[]> shards = new ArrayList<>();
    int count = data.consumeInt(0, 5);
    if (data.consumeBoolean()) {
      // Shards from split points: a valid tiling whenever the points are increasing hash keys.
      String previousStart = "0";
      for (int i = 0; i < count; i++) {
        String point = text(data);
        BigInteger p = HashKeys.parse(point);
        String previousEnd = p != null && p.signum() > 0 ? p.subtract(BigInteger.ONE).toString() : point;
        shards.add(new String[] {"shard-" + i, previousStart, previousEnd});
        previousStart = point;
      }
      shards.add(new String[] {"shard-" + (data.consumeBoolean() ? 0 : count), previousStart,
          HashKeys.MAX.toString()});
    } else {
      for (int i = 0; i < count; i++) {
        shards.add(new String[] {"shard-" + data.consumeInt(0, 3), text(data), text(data)});
      }
    }
    String explicitHashKey = data.consumeBoolean() ? null : text(data);
    KeyChecks.checkShardMap(shards, partitionKey, explicitHashKey);
    KeyChecks.checkRecordKeys(partitionKey, explicitHashKey, data.consumeRemainingAsBytes(), LAYOUT);
  }

  /** Mostly digits (so the fuzzer spends its time near hash keys), sometimes any text. */
  private static String text(FuzzedDataProvider data) {
    switch (data.consumeInt(0, 3)) {
      case 0:
        return data.consumeString(45);
      case 1:
        return data.consumeAsciiString(45);
      default: {
        byte[] digits = data.consumeBytes(data.consumeInt(0, 41));
        StringBuilder s = new StringBuilder();
        for (byte b : digits) {
          s.append((char) ('0' + Math.floorMod(b, 10)));
        }
        return s.toString();
      }
    }
  }
}
