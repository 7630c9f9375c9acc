package io.kplcodec;

import static io.kplcodec.AggregatorTest.bytes;
import static io.kplcodec.AggregatorTest.single;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.AggregatorTest.In;
import io.kplcodec.AggregatorTest.Oracle;
import io.kplcodec.AggregatorTest.RandomRecords;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Shard-aware aggregation: routing checked with BigInteger range comparisons and MessageDigest MD5s, never with
 * the code under test; contents checked with the test's reference encoder and the Deaggregator.
 */
class ShardAwareAggregatorTest {
  private static final BigInteger SPACE = BigInteger.ONE.shiftLeft(128);

  /** Shards shard-0..shard-(n-1) of equal width, as CreateStream makes them. */
  static ShardMap evenMap(int shards) {
    ShardMap.Builder builder = ShardMap.builder();
    for (int i = 0; i < shards; i++) {
      BigInteger start = SPACE.multiply(BigInteger.valueOf(i)).divide(BigInteger.valueOf(shards));
      BigInteger end = SPACE.multiply(BigInteger.valueOf(i + 1)).divide(BigInteger.valueOf(shards))
          .subtract(BigInteger.ONE);
      builder.add("shard-" + i, start.toString(), end.toString());
    }
    return builder.build();
  }

  /** The shard owning a hash key, found by BigInteger comparison over the map's ranges. */
  static String ownerOf(ShardMap map, BigInteger hashKey) {
    String owner = null;
    for (String id : map.shardIds()) {
      if (Oracle.inRange(hashKey, map.range(id))) {
        assertNull(owner, "ranges overlap at " + hashKey);
        owner = id;
      }
    }
    assertNotNull(owner, "no shard owns " + hashKey);
    return owner;
  }

  static String ownerOf(ShardMap map, In r) {
    return ownerOf(map, Oracle.hashKey(r.pk(), r.ehk()));
  }

  /** Every user record of the output, and the output's own routing key, belong to its predicted shard. */
  static void assertLandsOnItsShard(KinesisRecord out, ShardMap map) {
    String shard = out.predictedShardId();
    assertNotNull(shard, "shard-aware output names its shard");
    HashKeyRange range = map.range(shard);
    assertNotNull(range, "predicted shard " + shard + " is in the map");
    BigInteger routing = Oracle.hashKey(out.partitionKey(), out.explicitHashKey());
    assertTrue(Oracle.inRange(routing, range), "Kinesis would put " + out + " elsewhere");
    if (out.isAggregated()) {
      for (UserRecord user : Deaggregator.create().deaggregate(out.data())) {
        assertTrue(Oracle.inRange(Oracle.hashKey(user.partitionKey(), user.explicitHashKey()), range),
            user + " is outside " + shard + " " + range);
      }
      // What a KCL-style consumer of that shard does: drop the whole aggregate if anything is out of range.
      int[] drops = {0};
      Deaggregator consumer = Deaggregator.builder()
          .hashRange(range)
          .hashRangePolicy(Deaggregator.HashRangePolicy.DROP_WHOLE_AGGREGATE)
          .listener(new Deaggregator.Listener() {
            @Override
            public void dropped(UserRecord record, Deaggregator.DropReason reason) {
              drops[0]++;
            }
          })
          .build();
      assertEquals(out.userRecordCount(), consumer.deaggregate(out.data()).size());
      assertEquals(0, drops[0]);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void firstAndLastHashKeyOfEveryRangeGoToThatShard() {
    ShardMap map = evenMap(4);
    Aggregator aggregator = Aggregator.builder().shardMap(map).build();
    assertSame(map, aggregator.shardMap());
    Map<String, List<In>> expected = new LinkedHashMap<>();
    for (String id : map.shardIds()) {
      HashKeyRange range = map.range(id);
      In first = In.of("pk-" + id, range.startingHashKey(), bytes(10));
      In last = In.of("pk-" + id, range.endingHashKey(), bytes(20));
      expected.put(id, List.of(first, last));
    }
    // Interleaved, last keys first for odd shards, to show routing does not depend on arrival order.
    for (int i = 0; i < 2; i++) {
      for (List<In> pair : expected.values()) {
        assertNull(pair.get(i).addTo(aggregator));
      }
    }
    assertEquals(8, aggregator.pendingUserRecordCount());
    List<KinesisRecord> flushed = aggregator.flush();
    assertEquals(map.shardIds(), flushed.stream().map(KinesisRecord::predictedShardId).toList(),
        "flush returns the aggregates in shard order");
    for (KinesisRecord out : flushed) {
      List<In> pair = expected.get(out.predictedShardId());
      Oracle.assertOutput(out, pair, false, null);
      assertEquals(pair.get(0).ehk(), out.explicitHashKey(), "the aggregate is sent with its shard's first key");
      assertLandsOnItsShard(out, map);
      for (In r : pair) {
        assertEquals(out.predictedShardId(), ownerOf(map, r));
        assertEquals(out.predictedShardId(), map.shardIdFor(r.pk(), r.ehk()));
      }
    }
  }

  @Test
  void neighbouringKeysAcrossABoundaryAreNeverAggregatedTogether() {
    ShardMap map = evenMap(4);
    Aggregator aggregator = Aggregator.builder().shardMap(map).aggregateLoneRecords(true).build();
    BigInteger boundary = new BigInteger(map.range("shard-2").startingHashKey());
    aggregator.add("a", boundary.subtract(BigInteger.ONE).toString(), bytes(5));
    aggregator.add("a", boundary.toString(), bytes(5));
    List<KinesisRecord> flushed = aggregator.flush();
    assertEquals(List.of("shard-1", "shard-2"), flushed.stream().map(KinesisRecord::predictedShardId).toList());
    flushed.forEach(out -> assertLandsOnItsShard(out, map));
    flushed.forEach(out -> assertEquals(1, out.userRecordCount()));
  }

  @Test
  void partitionKeysAreRoutedByTheirMd5() {
    ShardMap map = evenMap(4);
    Aggregator aggregator = Aggregator.builder().shardMap(map).build();
    Map<String, List<In>> byShard = new HashMap<>();
    for (int i = 0; i < 400; i++) {
      In r = In.of("user-" + i + "-ü", null, bytes(i % 50));
      assertNull(r.addTo(aggregator));
      byShard.computeIfAbsent(ownerOf(map, r), k -> new ArrayList<>()).add(r);
    }
    assertEquals(4, byShard.size(), "400 keys spread over all four shards");
    List<KinesisRecord> flushed = aggregator.flush();
    assertEquals(4, flushed.size());
    for (KinesisRecord out : flushed) {
      Oracle.assertOutput(out, byShard.get(out.predictedShardId()), false, null);
      assertLandsOnItsShard(out, map);
    }
  }

  @Test
  void loneRawRecordIsPredictedOnTheShardOfItsOwnKeys() {
    ShardMap map = evenMap(3);
    Aggregator aggregator = Aggregator.builder().shardMap(map).build();
    aggregator.add("only", null, bytes(7));
    KinesisRecord out = single(aggregator.flush());
    assertFalse(out.isAggregated());
    assertEquals(ownerOf(map, Oracle.hashKey("only", null)), out.predictedShardId());
    assertLandsOnItsShard(out, map);
  }

  @Test
  void oneOpenAggregatePerShardEachClosedOnlyByItsOwnRecords() {
    ShardMap map = evenMap(2);
    List<KinesisRecord> heard = new ArrayList<>();
    Aggregator aggregator = Aggregator.builder().shardMap(map).maxRecordSize(1000).listener(heard::add).build();
    String low = "0";
    String high = map.range("shard-1").startingHashKey();
    aggregator.add("a", low, bytes(400));
    aggregator.add("b", high, bytes(400));
    aggregator.add("c", low, bytes(400)); // 800 + framing + keys fits in 1000
    aggregator.add("d", high, bytes(400));
    assertTrue(heard.isEmpty(), "records of another shard never close an aggregate");
    KinesisRecord closed = aggregator.add("e", high, bytes(400));
    assertNotNull(closed);
    assertEquals("shard-1", closed.predictedShardId());
    assertEquals(List.of("b", "d"),
        Deaggregator.create().deaggregate(closed.data()).stream().map(UserRecord::partitionKey).toList());
    assertEquals(3, aggregator.pendingUserRecordCount());
  }

  @Test
  void tooLargeRecordForOneShardLeavesEveryShardUntouched() {
    ShardMap map = evenMap(4);
    List<KinesisRecord> heard = new ArrayList<>();
    Aggregator aggregator = Aggregator.builder().shardMap(map).maxRecordSize(2000).listener(heard::add).build();
    for (String id : map.shardIds()) {
      aggregator.add("k", map.range(id).startingHashKey(), bytes(900));
    }
    for (String id : map.shardIds()) {
      assertThrows(RecordTooLargeException.class, () -> aggregator.add("k", map.range(id).endingHashKey(),
          bytes(2000)));
    }
    assertTrue(heard.isEmpty());
    assertEquals(4, aggregator.pendingUserRecordCount());
    assertEquals(4, aggregator.flush().size());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reshards

  /** Splits shard-1 of a 4-shard map at its middle: shard-4 and shard-5 replace it. */
  static ShardMap splitShard1(ShardMap map) {
    HashKeyRange parent = map.range("shard-1");
    BigInteger start = new BigInteger(parent.startingHashKey());
    BigInteger end = new BigInteger(parent.endingHashKey());
    BigInteger middle = start.add(end).shiftRight(1);
    ShardMap.Builder builder = ShardMap.builder();
    for (String id : map.shardIds()) {
      if (!id.equals("shard-1")) {
        builder.add(id, map.range(id));
      }
    }
    return builder
        .add("shard-4", start.toString(), middle.toString())
        .add("shard-5", middle.add(BigInteger.ONE).toString(), end.toString())
        .build();
  }

  @Test
  void splittingAShardWhileRecordsArePendingLosesNothingAndReRoutesThem() {
    ShardMap before = evenMap(4);
    ShardMap after = splitShard1(before);
    List<KinesisRecord> heard = new ArrayList<>();
    Aggregator aggregator =
        Aggregator.builder().shardMap(before).maxRecordSize(64 * 1024).listener(heard::add).build();
    List<In> in = new ArrayList<>();
    List<KinesisRecord> out = new ArrayList<>();
    Random random = new Random(11);
    // Explicit keys at both edges of the child ranges, plus MD5-routed keys.
    HashKeyRange left = after.range("shard-4");
    HashKeyRange right = after.range("shard-5");
    for (String ehk : List.of(left.startingHashKey(), left.endingHashKey(), right.startingHashKey(),
        right.endingHashKey())) {
      in.add(In.of("edge", ehk, bytes(33)));
    }
    for (int i = 0; i < 600; i++) {
      in.add(In.of("pk-" + random.nextInt(80), null, bytes(random.nextInt(400))));
    }
    for (In r : in.subList(0, 400)) {
      addTo(aggregator, r, out);
    }
    int pendingBefore = aggregator.pendingUserRecordCount();
    assertTrue(pendingBefore > 50, "enough pending records to move: " + pendingBefore);
    int movedAt = out.size();
    List<KinesisRecord> moved = aggregator.replaceShardMap(after);
    assertSame(after, aggregator.shardMap());
    out.addAll(moved);
    assertEquals(pendingBefore, aggregator.pendingUserRecordCount() + moved.stream()
        .mapToInt(KinesisRecord::userRecordCount).sum(), "no pending record lost or duplicated by the move");
    for (In r : in.subList(400, in.size())) {
      addTo(aggregator, r, out);
    }
    out.addAll(aggregator.flush());
    assertEquals(out, heard, "the listener heard every output, in order, including those from the move");

    assertAllComeOutInOrderPerKey(out, in);
    for (int i = 0; i < out.size(); i++) {
      // Before the move, outputs land on shards of the old map; from the move on, only on shards of the new one.
      assertLandsOnItsShard(out.get(i), i < movedAt ? before : after);
    }
    List<String> children = List.of("shard-4", "shard-5");
    List<KinesisRecord> toChildren =
        out.stream().filter(o -> children.contains(o.predictedShardId())).toList();
    assertEquals(2, toChildren.size(), "the parent's pending records went to both children: " + out);
    for (KinesisRecord o : toChildren) {
      List<UserRecord> users = Deaggregator.create().deaggregate(o.data());
      long edges = users.stream().filter(u -> "edge".equals(u.partitionKey())).count();
      assertEquals(2, edges, "each child got the two records at its range's edges");
    }
  }

  private static void addTo(Aggregator aggregator, In r, List<KinesisRecord> out) {
    KinesisRecord done = r.addTo(aggregator);
    if (done != null) {
      out.add(done);
    }
  }

  /** Every user record comes out exactly once, and records with the same key keep their order. */
  static void assertAllComeOutInOrderPerKey(List<KinesisRecord> outputs, List<In> in) {
    Map<String, List<byte[]>> expected = new HashMap<>();
    for (In r : in) {
      expected.computeIfAbsent(r.pk() + "|" + r.ehk(), k -> new ArrayList<>()).add(r.bytes());
    }
    Map<String, List<byte[]>> actual = new HashMap<>();
    for (KinesisRecord out : outputs) {
      if (out.isAggregated()) {
        for (UserRecord user : Deaggregator.create().deaggregate(out.data())) {
          actual.computeIfAbsent(user.partitionKey() + "|" + user.explicitHashKey(), k -> new ArrayList<>())
              .add(user.dataBytes());
        }
      } else {
        actual.computeIfAbsent(out.partitionKey() + "|" + out.explicitHashKey(), k -> new ArrayList<>())
            .add(out.dataBytes());
      }
    }
    assertEquals(expected.keySet(), actual.keySet());
    for (String key : expected.keySet()) {
      List<byte[]> e = expected.get(key);
      List<byte[]> a = actual.get(key);
      assertEquals(e.size(), a.size(), "user records of " + key);
      for (int i = 0; i < e.size(); i++) {
        assertTrue(java.util.Arrays.equals(e.get(i), a.get(i)), "record " + i + " of " + key + " out of order");
      }
    }
  }

  @Test
  void mergingShardsWhileFullAggregatesArePendingCompletesSomeAndKeepsEveryRecordInItsNewShard() {
    ShardMap before = evenMap(4);
    ShardMap after = ShardMap.builder()
        .add("shard-0", before.range("shard-0"))
        .add("shard-1", before.range("shard-1"))
        .add("merged", before.range("shard-2").startingHashKey(), before.range("shard-3").endingHashKey())
        .build();
    List<KinesisRecord> heard = new ArrayList<>();
    Aggregator aggregator = Aggregator.builder().shardMap(before).maxRecordSize(4000).listener(heard::add).build();
    List<In> in = new ArrayList<>();
    for (String id : List.of("shard-2", "shard-3")) {
      BigInteger start = new BigInteger(before.range(id).startingHashKey());
      for (int i = 0; i < 3; i++) {
        in.add(In.of("k" + id, start.add(BigInteger.valueOf(i)).toString(), bytes(1000)));
      }
    }
    in.add(In.of("zero", "0", bytes(10)));
    List<KinesisRecord> out = new ArrayList<>();
    for (In r : in) {
      addTo(aggregator, r, out);
    }
    assertTrue(out.isEmpty());
    List<KinesisRecord> moved = aggregator.replaceShardMap(after);
    assertFalse(moved.isEmpty(), "six 1000-byte records cannot share one 4000-byte aggregate");
    assertEquals(moved, heard, "records completed by the move are handed to the listener");
    for (KinesisRecord o : moved) {
      assertEquals("merged", o.predictedShardId());
      assertTrue(o.sizeInBytes() <= 4000);
    }
    out.addAll(moved);
    out.addAll(aggregator.flush());
    for (KinesisRecord o : out) {
      assertTrue(o.sizeInBytes() <= 4000);
      assertLandsOnItsShard(o, after);
    }
    assertAllComeOutInOrderPerKey(out, in);
  }

  @Test
  void replaceShardMapNeedsAShardAwareAggregator() {
    Aggregator plain = Aggregator.builder().build();
    assertThrows(IllegalStateException.class, () -> plain.replaceShardMap(evenMap(2)));
    Aggregator aware = Aggregator.builder().shardMap(evenMap(2)).build();
    assertThrows(NullPointerException.class, () -> aware.replaceShardMap(null));
    assertTrue(aware.replaceShardMap(evenMap(3)).isEmpty(), "nothing pending, nothing completed");
    assertEquals(3, aware.shardMap().size());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Randomized, per shard

  @ParameterizedTest
  @CsvSource({"21, 50000, 4", "22, 1048576, 5", "23, 200000, 1"})
  void randomUserRecordsArePackedMaximallyPerShard(long seed, int limit, int shards) {
    ShardMap map = evenMap(shards);
    RandomRecords generator = new RandomRecords(new Random(seed));
    Aggregator aggregator = Aggregator.builder().shardMap(map).maxRecordSize(limit).build();
    Map<String, List<In>> accepted = new HashMap<>();
    Map<String, Integer> next = new HashMap<>();
    int outputs = 0;
    for (int i = 0; i < 2500; i++) {
      In r = generator.next();
      String shard = ownerOf(map, r);
      KinesisRecord done;
      try {
        done = r.addTo(aggregator);
      } catch (RecordTooLargeException e) {
        assertTrue((long) r.length() + Oracle.utf8(r.pk()) > limit, "refused a record that fits raw: " + r);
        continue;
      }
      List<In> shardRecords = accepted.computeIfAbsent(shard, k -> new ArrayList<>());
      shardRecords.add(r);
      if (done != null) {
        assertEquals(shard, done.predictedShardId(), "only a record of the same shard closes an aggregate");
        int from = next.getOrDefault(shard, 0);
        List<In> group = shardRecords.subList(from, from + done.userRecordCount());
        assertEquals(shardRecords.size() - 1, from + done.userRecordCount());
        Oracle.assertOutput(done, group, false, null);
        assertTrue(done.sizeInBytes() <= limit);
        AggregatorTest.assertMaximal(group, r, limit);
        assertLandsOnItsShard(done, map);
        next.put(shard, from + done.userRecordCount());
        outputs++;
        done.release();
      }
    }
    for (KinesisRecord done : aggregator.flush()) {
      String shard = done.predictedShardId();
      int from = next.getOrDefault(shard, 0);
      Oracle.assertOutput(done, accepted.get(shard).subList(from, from + done.userRecordCount()), false, null);
      assertLandsOnItsShard(done, map);
      next.put(shard, from + done.userRecordCount());
      outputs++;
    }
    for (Map.Entry<String, List<In>> e : accepted.entrySet()) {
      assertEquals(e.getValue().size(), next.get(e.getKey()), "all of " + e.getKey() + " came out, in order");
    }
    assertEquals(shards, accepted.size());
    assertTrue(outputs > 20);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // ShardMap and HashKeyRange contracts that routing relies on

  @Test
  void shardMapMustTileTheWholeHashKeySpace() {
    String max = Oracle.MAX_HASH_KEY.toString();
    assertThrows(IllegalArgumentException.class, () -> ShardMap.builder().build());
    assertThrows(IllegalArgumentException.class, // gap
        () -> ShardMap.builder().add("a", "0", "10").add("b", "12", max).build());
    assertThrows(IllegalArgumentException.class, // overlap
        () -> ShardMap.builder().add("a", "0", "10").add("b", "10", max).build());
    assertThrows(IllegalArgumentException.class, // does not start at 0
        () -> ShardMap.builder().add("a", "1", max).build());
    assertThrows(IllegalArgumentException.class, // does not reach the end
        () -> ShardMap.builder().add("a", "0", "10").build());
    assertThrows(IllegalArgumentException.class, // a second shard after the space is covered
        () -> ShardMap.builder().add("a", "0", max).add("b", "5", max).build());
    assertThrows(IllegalArgumentException.class, // same id twice
        () -> ShardMap.builder().add("a", "0", "10").add("a", "11", max).build());
    ShardMap unordered = ShardMap.builder().add("b", "11", max).add("a", "0", "10").build();
    assertEquals(List.of("a", "b"), unordered.shardIds());
    assertEquals("a", unordered.shardIdFor("x", "10"));
    assertEquals("b", unordered.shardIdFor("x", "11"));
    ShardMap single = ShardMap.singleShard("only");
    assertEquals(HashKeyRange.all(), single.range("only"));
    assertNull(single.range("other"));
  }

  @Test
  void theAggregatorNamesTheShardItRoutesAUserRecordTo() {
    ShardMap map = evenMap(5);
    Aggregator aggregator = Aggregator.builder().shardMap(map).build();
    RandomRecords generator = new RandomRecords(new Random(41));
    for (int i = 0; i < 500; i++) {
      In r = generator.next();
      assertEquals(ownerOf(map, r), aggregator.shardIdFor(r.pk(), r.ehk()), r.toString());
    }
    assertThrows(IllegalArgumentException.class, () -> aggregator.shardIdFor("k", "12a"));
    assertNull(Aggregator.builder().build().shardIdFor("k", null), "not shard-aware");
    // After a reshard it answers for the new map.
    ShardMap after = splitShard1(evenMap(4));
    Aggregator resharded = Aggregator.builder().shardMap(evenMap(4)).build();
    resharded.replaceShardMap(after);
    String edge = after.range("shard-5").startingHashKey();
    assertEquals("shard-5", resharded.shardIdFor("k", edge));
  }

  @Test
  void shardMapsAreEqualWhenTheirShardsAndRangesAre() {
    String max = Oracle.MAX_HASH_KEY.toString();
    ShardMap ab = ShardMap.builder().add("a", "0", "10").add("b", "11", max).build();
    ShardMap abAddedBackwards = ShardMap.builder().add("b", "11", max).add("a", "0", "10").build();
    assertEquals(ab, abAddedBackwards);
    assertEquals(ab.hashCode(), abAddedBackwards.hashCode());
    assertNotEquals(ab, ShardMap.builder().add("a", "0", "11").add("b", "12", max).build(), "other ranges");
    assertNotEquals(ab, ShardMap.builder().add("a", "0", "10").add("c", "11", max).build(), "other ids");
    assertNotEquals(ab, ShardMap.singleShard("a"));
    assertNotEquals(ab, null);
  }

  @Test
  void hashKeyRangeIsClosedAndChecksItsBounds() {
    HashKeyRange range = HashKeyRange.of("100", "200");
    assertTrue(range.contains("100"));
    assertTrue(range.contains("200"));
    assertFalse(range.contains("99"));
    assertFalse(range.contains("201"));
    assertTrue(HashKeyRange.of("5", "5").contains("5"));
    assertThrows(IllegalArgumentException.class, () -> HashKeyRange.of("6", "5"));
    assertThrows(IllegalArgumentException.class, () -> HashKeyRange.of("01", "5"));
    assertThrows(IllegalArgumentException.class, () -> range.contains("-1"));
    assertThrows(IllegalArgumentException.class,
        () -> HashKeyRange.of("0", Oracle.MAX_HASH_KEY.add(BigInteger.ONE).toString()));
    BigInteger md5 = Oracle.hashKey("some key", null);
    HashKeyRange around = HashKeyRange.of(md5.toString(), md5.toString());
    assertTrue(around.containsRecord("some key", null));
    assertFalse(around.containsRecord("some key", "0"));
    assertTrue(HashKeyRange.all().contains(Oracle.MAX_HASH_KEY.toString()));
  }
}
