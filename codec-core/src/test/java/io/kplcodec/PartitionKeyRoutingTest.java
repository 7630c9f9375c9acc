package io.kplcodec;

import static io.kplcodec.AggregatorTest.bytes;
import static io.kplcodec.ShardAwareAggregatorTest.assertAllComeOutInOrderPerKey;
import static io.kplcodec.ShardAwareAggregatorTest.assertLandsOnItsShard;
import static io.kplcodec.ShardAwareAggregatorTest.evenMap;
import static io.kplcodec.ShardAwareAggregatorTest.ownerOf;
import static io.kplcodec.ShardAwareAggregatorTest.splitShard1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.AggregatorTest.In;
import io.kplcodec.AggregatorTest.Oracle;
import io.kplcodec.AggregatorTest.RandomRecords;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Aggregator.Builder#routeByPartitionKeyOnly}: every output lands on its shard through its partition key
 * alone. Routing is checked with MessageDigest MD5s and BigInteger ranges (the test's oracle), never with the code
 * under test.
 */
class PartitionKeyRoutingTest {

  /** The key the class comment promises for a shard: the first of "0", "1", ... whose MD5 lies in its range. */
  static String expectedRoutingKey(ShardMap map, String shardId) {
    for (int i = 0; ; i++) {
      if (Oracle.inRange(Oracle.hashKey(Integer.toString(i), null), map.range(shardId))) {
        return Integer.toString(i);
      }
    }
  }

  static Aggregator.Builder routing(ShardMap map) {
    return Aggregator.builder().shardMap(map).routeByPartitionKeyOnly(true);
  }

  /** What every output of a routing aggregator must satisfy, given the user records it carries. */
  static void assertRoutedByPartitionKey(KinesisRecord out, List<In> group, ShardMap map, int limit) {
    assertNull(out.explicitHashKey(), "no explicit hash key: " + out);
    assertLandsOnItsShard(out, map); // MD5 of the partition key, and every user record, in the predicted shard
    In first = group.get(0);
    if (group.size() == 1 && first.ehk() == null) {
      assertFalse(out.isAggregated(), "a lone record without an explicit hash key goes raw");
      assertEquals(first.pk(), out.partitionKey());
      assertArrayEquals(first.bytes(), out.dataBytes());
      return;
    }
    assertTrue(out.isAggregated(), "a lone record with an explicit hash key is aggregated to keep it");
    String expectedKey = first.ehk() == null ? first.pk() : expectedRoutingKey(map, out.predictedShardId());
    assertEquals(expectedKey, out.partitionKey());
    assertArrayEquals(Oracle.encode(group), out.dataBytes(), "bytes differ from the reference encoding");
    assertEquals(Oracle.aggregateSize(group) + Oracle.utf8(expectedKey), out.sizeInBytes());
    assertTrue(out.sizeInBytes() <= limit, out + " over " + limit);
  }

  @ParameterizedTest
  @CsvSource({"31, 50000, 4", "32, 1048576, 16", "33, 200000, 1", "34, 30000, 7"})
  void randomUserRecordsLandOnTheirShardByPartitionKeyAndArePackedMaximally(long seed, int limit, int shards) {
    ShardMap map = evenMap(shards);
    RandomRecords generator = new RandomRecords(new Random(seed));
    Aggregator aggregator = routing(map).maxRecordSize(limit).build();
    Map<String, List<In>> pending = new HashMap<>();
    List<In> accepted = new ArrayList<>();
    List<KinesisRecord> outputs = new ArrayList<>();
    int withExplicitHashKey = 0;
    for (int i = 0; i < 2500; i++) {
      In r = generator.next();
      String shard = ownerOf(map, r);
      KinesisRecord done;
      try {
        done = r.addTo(aggregator);
      } catch (RecordTooLargeException e) {
        continue;
      }
      accepted.add(r);
      withExplicitHashKey += r.ehk() == null ? 0 : 1;
      List<In> shardPending = pending.computeIfAbsent(shard, k -> new ArrayList<>());
      if (done != null) {
        assertEquals(shard, done.predictedShardId());
        List<In> group = new ArrayList<>(shardPending);
        assertRoutedByPartitionKey(done, group, map, limit);
        String outgoingKey = done.isAggregated() ? done.partitionKey() : group.get(0).pk();
        List<In> withNext = new ArrayList<>(group);
        withNext.add(r);
        assertTrue(Oracle.aggregateSize(withNext) + Oracle.utf8(outgoingKey) > limit,
            "closed an aggregate of " + group.size() + " user records although the next fitted");
        outputs.add(done);
        shardPending.clear();
      }
      shardPending.add(r);
    }
    for (KinesisRecord done : aggregator.flush()) {
      assertRoutedByPartitionKey(done, pending.get(done.predictedShardId()), map, limit);
      outputs.add(done);
    }
    assertTrue(withExplicitHashKey > 100, "the workload has explicit hash keys: " + withExplicitHashKey);
    assertTrue(outputs.size() > 20);
    assertAllComeOutInOrderPerKey(outputs, accepted);
  }

  @Test
  void aLoneRecordWithAnExplicitHashKeyIsAggregatedUnderTheShardsRoutingKey() {
    ShardMap map = evenMap(4);
    Aggregator aggregator = routing(map).build();
    for (String shard : map.shardIds()) {
      In r = In.of("user-key", map.range(shard).endingHashKey(), bytes(100));
      r.addTo(aggregator);
      KinesisRecord out = aggregator.flush().get(0);
      assertEquals(shard, out.predictedShardId());
      assertEquals(expectedRoutingKey(map, shard), out.partitionKey());
      assertRoutedByPartitionKey(out, List.of(r), map, aggregator.maxRecordSize());
    }
  }

  @Test
  void theRoutingKeyCountsTowardsTheLimitAndATooLargeRecordChangesNothing() {
    ShardMap map = evenMap(2);
    String routingKey = expectedRoutingKey(map, "shard-1");
    String ehk = map.range("shard-1").startingHashKey();
    int limit = 5000;
    Aggregator aggregator = routing(map).maxRecordSize(limit).build();
    int fits = AggregatorTest.dataLengthForSize(limit, d -> List.of(In.of("k", ehk, bytes(d))),
        Oracle.utf8(routingKey));
    In exact = In.of("k", ehk, bytes(fits));
    assertNull(exact.addTo(aggregator));
    KinesisRecord out = aggregator.flush().get(0);
    assertEquals(limit, out.sizeInBytes(), "exactly at the limit, routing key included");

    // One byte more would fit raw (data + "k") but must be aggregated, and so can never be sent.
    In oneMore = In.of("k", ehk, bytes(fits + 1));
    assertThrows(RecordTooLargeException.class, () -> oneMore.addTo(aggregator));
    assertEquals(0, aggregator.pendingUserRecordCount());
  }

  @Test
  void afterASplitPendingRecordsMoveToTheChildrenUnderTheirOwnRoutingKeys() {
    ShardMap before = evenMap(4);
    ShardMap after = splitShard1(before);
    Aggregator aggregator = routing(before).build();
    List<In> in = new ArrayList<>();
    for (String child : List.of("shard-4", "shard-5")) {
      in.add(In.of("edge", after.range(child).startingHashKey(), bytes(10)));
      in.add(In.of("edge", after.range(child).endingHashKey(), bytes(11)));
    }
    in.forEach(r -> assertNull(r.addTo(aggregator)));
    assertTrue(aggregator.replaceShardMap(after).isEmpty());
    List<KinesisRecord> out = aggregator.flush();
    assertEquals(List.of("shard-4", "shard-5"), out.stream().map(KinesisRecord::predictedShardId).toList());
    assertRoutedByPartitionKey(out.get(0), in.subList(0, 2), after, aggregator.maxRecordSize());
    assertRoutedByPartitionKey(out.get(1), in.subList(2, 4), after, aggregator.maxRecordSize());
  }

  @Test
  void aShardTooNarrowToFindARoutingKeyForFailsClearlyAndChangesNothing() {
    BigInteger max = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
    BigInteger narrowStart = BigInteger.ONE.shiftLeft(127); // the middle: both neighbours are wide
    BigInteger narrowEnd = narrowStart.add(BigInteger.valueOf(1000));
    ShardMap map = ShardMap.builder()
        .add("wide-left", "0", narrowStart.subtract(BigInteger.ONE).toString())
        .add("narrow", narrowStart.toString(), narrowEnd.toString())
        .add("wide-right", narrowEnd.add(BigInteger.ONE).toString(), max.toString())
        .build();
    Aggregator aggregator = routing(map).build();
    assertNull(aggregator.add("a", "5", bytes(3)));
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> aggregator.add("b", narrowStart.add(BigInteger.TEN).toString(), bytes(3)));
    assertTrue(e.getMessage().contains("narrow") && e.getMessage().contains("too narrow"), e.getMessage());
    assertEquals(1, aggregator.pendingUserRecordCount());
    // A record without an explicit hash key needs no routing key: its own key lands where its MD5 says.
    assertNull(aggregator.add("c", null, bytes(3)));
    assertEquals(2, aggregator.pendingUserRecordCount());
  }

  @Test
  void routingByPartitionKeyNeedsAShardMapAndExcludesAFixedKey() {
    IllegalStateException noMap = assertThrows(IllegalStateException.class,
        () -> Aggregator.builder().routeByPartitionKeyOnly(true).build());
    assertTrue(noMap.getMessage().contains("shard map"), noMap.getMessage());
    IllegalStateException fixed = assertThrows(IllegalStateException.class,
        () -> routing(evenMap(2)).fixedPartitionKey("k").build());
    assertTrue(fixed.getMessage().contains("fixedPartitionKey"), fixed.getMessage());
    // Off again is fine with either.
    Aggregator.builder().routeByPartitionKeyOnly(false).fixedPartitionKey("k").build();
  }
}
