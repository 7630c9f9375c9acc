package io.kplcodec;

import static io.kplcodec.AggregatorTest.bytes;
import static io.kplcodec.ShardAwareAggregatorTest.assertLandsOnItsShard;
import static io.kplcodec.ShardAwareAggregatorTest.evenMap;
import static io.kplcodec.ShardAwareAggregatorTest.ownerOf;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.AggregatorTest.In;
import io.kplcodec.AggregatorTest.Oracle;
import java.lang.reflect.Method;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 15, items 1 and 2: {@link Aggregator#replaceShardMap} and a throwing {@link Aggregator.Listener} never lose
 * a user record. Every test counts: user records pending before = pending after + user records in the records
 * returned or carried by the exception; and decodes every output to check each user record comes out exactly once,
 * on the shard its hash key belongs to (a BigInteger range check, not the code under test).
 */
class AggregatorReshardTest {

  // ---------------------------------------------------------------------------------------------------------------
  // Item 1: replaceShardMap re-adds every pending user record, or changes nothing

  /**
   * Pins: with routeByPartitionKeyOnly, a lone aggregate exactly at the limit under routing key "0" is one byte over
   * under its new shard's "10"; re-adding threw half-way: 5 of the 8 pending records were lost. Now nothing changes.
   */
  @Test
  void aRecordThatCanBeSentByNoMeansAfterASplitLeavesTheOldMapAndEveryPendingRecord() {
    ShardMap before = evenMap(8);
    HashKeyRange parent = before.range("shard-6");
    BigInteger middle = new BigInteger(parent.startingHashKey()).add(new BigInteger(parent.endingHashKey()))
        .shiftRight(1);
    ShardMap after = ShardMap.builder()
        // shard-0 and shard-1 merge: their pending records no longer fit one aggregate, so one completes
        .add("merged-01", before.range("shard-0").startingHashKey(), before.range("shard-1").endingHashKey())
        .add("shard-2", before.range("shard-2")).add("shard-3", before.range("shard-3"))
        .add("shard-4", before.range("shard-4")).add("shard-5", before.range("shard-5"))
        .add("shard-6-low", parent.startingHashKey(), middle.toString())
        .add("shard-6-high", middle.add(BigInteger.ONE).toString(), parent.endingHashKey())
        .add("shard-7", before.range("shard-7"))
        .build();
    assertEquals("0", PartitionKeyRoutingTest.expectedRoutingKey(before, "shard-6"), "fixture");
    assertEquals("10", PartitionKeyRoutingTest.expectedRoutingKey(after, "shard-6-high"), "fixture");
    int limit = 10_000;
    BufferPool pool = BufferPool.heap();
    List<KinesisRecord> heard = new ArrayList<>();
    Aggregator aggregator = PartitionKeyRoutingTest.routing(before).maxRecordSize(limit).bufferPool(pool)
        .listener(heard::add).build();

    List<In> in = new ArrayList<>();
    for (String shard : List.of("shard-0", "shard-1")) { // 4 x 30% of the limit: 3 share the merged aggregate
      in.add(In.of("ключ-" + shard, before.range(shard).startingHashKey(), bytes(3000)));
      in.add(In.of("ключ-" + shard, before.range(shard).endingHashKey(), bytes(3000)));
    }
    in.add(In.of("k".repeat(256), null, bytes(100))); // longest partition keys, 1 to 4 bytes per character
    in.add(In.of("é".repeat(256), null, bytes(200)));
    in.add(In.of("😀".repeat(128), null, bytes(300)));
    String high = after.range("shard-6-high").startingHashKey();
    int exact = AggregatorTest.dataLengthForSize(limit, d -> List.of(In.of("ключ", high, bytes(d))), 1);
    In atTheLimit = In.of("ключ", high, bytes(exact));
    in.add(atTheLimit);
    for (In r : in) {
      assertNull(r.addTo(aggregator));
    }
    int pendingBefore = aggregator.pendingUserRecordCount();
    assertEquals(in.size(), pendingBefore);
    long retainedBefore = pool.retainedBytes();

    RecordTooLargeException e = assertThrows(RecordTooLargeException.class, () -> aggregator.replaceShardMap(after));

    assertEquals(pendingBefore, aggregator.pendingUserRecordCount(), "no pending user record lost");
    assertSame(before, aggregator.shardMap(), "the old shard map stays");
    assertTrue(heard.isEmpty(), "no record completed during the attempt reaches the listener: " + heard);
    assertTrue(pool.retainedBytes() > retainedBefore, "the aggregate completed during the attempt was released");
    assertTrue(e.getMessage().contains("shard-6-high") && e.getMessage().contains("\"10\"")
        && e.getMessage().contains("not replaced"), e.getMessage());
    assertEquals((long) limit + 1, e.size());
    assertEquals(limit, e.limit());
    // Everything is still there, under the old map, exactly as before the attempt.
    List<KinesisRecord> flushed = aggregator.flush();
    assertEquals(flushed, heard);
    assertEachOnceOnItsShard(flushed, in, before, limit);
    for (KinesisRecord out : flushed) {
      assertNull(out.explicitHashKey(), "routed by partition key only");
      if (out.userRecordCount() == 1 && out.predictedShardId().equals("shard-6")) {
        assertEquals("0", out.partitionKey());
        assertEquals(limit, out.sizeInBytes(), "exactly at the limit");
      }
    }
    assertTrue(aggregator.replaceShardMap(after).isEmpty(), "with nothing pending the map can be replaced");
    assertThrows(RecordTooLargeException.class, () -> atTheLimit.addTo(aggregator), "consistent with add");
  }

  /**
   * Pins: with aggregateLoneRecords, a user record with a 256-character key that joined an aggregate sent under "a"
   * becomes the first of a new aggregate after the split, too large under its own key; re-adding threw and lost it.
   * Now it goes out alone, raw, and lands on its shard by its own keys.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aRecordTooLargeToLeadAnAggregateAfterASplitGoesOutAloneRaw(boolean thenAddToItsShard) {
    ShardMap before = evenMap(2);
    ShardMap after = splitAtMiddle(before, "shard-1");
    String low = after.range("shard-1-low").endingHashKey();
    String high = after.range("shard-1-high").startingHashKey();
    int limit = 4000;
    String longKey = "€".repeat(256); // 768 UTF-8 bytes
    In first = In.of("a", low, bytes(10));
    int exact = AggregatorTest.dataLengthForSize(limit,
        d -> List.of(first, In.of(longKey, high, bytes(d))), Oracle.utf8("a"));
    In joined = In.of(longKey, high, bytes(exact));
    List<KinesisRecord> heard = new ArrayList<>();
    Aggregator aggregator = Aggregator.builder().shardMap(before).maxRecordSize(limit).aggregateLoneRecords(true)
        .listener(heard::add).build();
    assertNull(first.addTo(aggregator));
    assertNull(joined.addTo(aggregator));
    assertEquals(2, aggregator.pendingUserRecordCount());
    assertTrue(Oracle.aggregateSize(List.of(joined)) + Oracle.utf8(longKey) > limit, "fixture: cannot lead");

    List<KinesisRecord> moved = aggregator.replaceShardMap(after);

    assertSame(after, aggregator.shardMap());
    assertEquals(2, aggregator.pendingUserRecordCount() + userRecords(moved), "no pending user record lost");
    List<KinesisRecord> out = new ArrayList<>(moved);
    List<In> in = new ArrayList<>(List.of(first, joined));
    if (thenAddToItsShard) {
      In next = In.of("b", high, bytes(5));
      in.add(next);
      KinesisRecord completed = next.addTo(aggregator);
      assertNotNull(completed, "nothing joins a record that cannot lead an aggregate");
      out.add(completed);
    }
    out.addAll(aggregator.flush());
    assertEquals(out, heard);
    assertEachOnceOnItsShard(out, in, after, limit);
    KinesisRecord raw = out.stream().filter(r -> r.partitionKey().equals(longKey)).findFirst().orElseThrow();
    assertFalse(raw.isAggregated(), "sent alone, raw, with its own keys: " + raw);
    assertEquals(high, raw.explicitHashKey());
    assertEquals("shard-1-high", raw.predictedShardId());
    assertArrayEquals(joined.bytes(), raw.dataBytes());
    assertEquals((long) exact + 768, raw.sizeInBytes());
    KinesisRecord lone = out.stream().filter(r -> r.predictedShardId().equals("shard-1-low")).findFirst()
        .orElseThrow();
    assertTrue(lone.isAggregated(), "the other lone record is still aggregated as configured");
  }

  /**
   * Pins: routingKey threw IllegalStateException in the middle of the re-routing loop, after the new map had been
   * swapped in and some records re-added; the rest were lost. Now nothing changes.
   */
  @Test
  void noRoutingKeyForANewShardLeavesTheOldMapAndEveryPendingRecord() {
    ShardMap before = evenMap(2);
    BigInteger narrowStart = new BigInteger(before.range("shard-1").startingHashKey());
    BigInteger narrowEnd = narrowStart.add(BigInteger.valueOf(1000));
    ShardMap after = ShardMap.builder()
        .add("shard-0", before.range("shard-0"))
        .add("narrow", narrowStart.toString(), narrowEnd.toString())
        .add("rest", narrowEnd.add(BigInteger.ONE).toString(), before.range("shard-1").endingHashKey())
        .build();
    List<KinesisRecord> heard = new ArrayList<>();
    Aggregator aggregator = PartitionKeyRoutingTest.routing(before).listener(heard::add).build();
    List<In> in = List.of(
        In.of("x", "0", bytes(10)),
        In.of("y", null, bytes(20)),
        In.of("z", after.range("rest").endingHashKey(), bytes(30)), // re-routed before the failing one
        In.of("z", narrowEnd.toString(), bytes(40)),
        In.of("z", after.range("rest").startingHashKey(), bytes(50)));
    in.forEach(r -> assertNull(r.addTo(aggregator)));

    IllegalStateException e = assertThrows(IllegalStateException.class, () -> aggregator.replaceShardMap(after));

    assertEquals(in.size(), aggregator.pendingUserRecordCount(), "no pending user record lost");
    assertSame(before, aggregator.shardMap(), "the old shard map stays");
    assertTrue(heard.isEmpty());
    assertTrue(e.getMessage().contains("narrow") && e.getMessage().contains("too narrow")
        && e.getMessage().contains("not replaced"), e.getMessage());
    List<KinesisRecord> flushed = aggregator.flush();
    assertEachOnceOnItsShard(flushed, in, before, aggregator.maxRecordSize());
    assertEquals(2, flushed.size());
  }

  @Test
  void everyListAnAggregatorReturnsIsUnmodifiable() {
    ShardMap before = evenMap(2);
    Aggregator aggregator = Aggregator.builder().shardMap(before).maxRecordSize(1000).build();
    aggregator.add("a", "0", bytes(600));
    aggregator.add("b", before.range("shard-1").startingHashKey(), bytes(600));
    List<KinesisRecord> moved = aggregator.replaceShardMap(ShardMap.singleShard("merged"));
    assertEquals(1, moved.size(), "two 600-byte records cannot share a 1000-byte aggregate");
    assertThrows(UnsupportedOperationException.class, () -> moved.add(moved.get(0)));
    assertThrows(UnsupportedOperationException.class, () -> aggregator.replaceShardMap(evenMap(3)).add(null));
    List<KinesisRecord> flushed = aggregator.flush();
    assertEquals(1, flushed.size());
    assertThrows(UnsupportedOperationException.class, () -> flushed.add(null));
    assertThrows(UnsupportedOperationException.class, () -> aggregator.flush().add(null));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Item 2: a throwing listener loses nothing

  /** Pins: a listener throwing in add lost the completed record (neither returned nor pending). */
  @Test
  void addWithAThrowingListenerCountsTheRecordAsAddedAndCarriesTheCompletedOne() {
    int limit = 200;
    RuntimeException failure = new IllegalStateException("listener failed");
    List<KinesisRecord> offered = new ArrayList<>();
    Aggregator aggregator = Aggregator.builder().maxRecordSize(limit).listener(r -> {
      offered.add(r);
      throw failure;
    }).build();
    List<In> in = List.of(In.of("a", null, bytes(80)), In.of("b", null, bytes(80)), In.of("c", null, bytes(80)));
    assertNull(in.get(0).addTo(aggregator));
    assertNull(in.get(1).addTo(aggregator));
    int pendingBefore = aggregator.pendingUserRecordCount();

    ListenerFailedException e = assertThrows(ListenerFailedException.class, () -> in.get(2).addTo(aggregator));

    assertSame(failure, e.getCause());
    assertEquals(0, e.getSuppressed().length);
    assertEquals(offered, e.completedRecords());
    assertEquals(offered, e.failedRecords());
    assertEquals(1, e.completedRecords().size());
    assertThrows(UnsupportedOperationException.class, () -> e.completedRecords().add(null));
    assertEquals(1, aggregator.pendingUserRecordCount(), "c counts as added");
    assertEquals(pendingBefore + 1, aggregator.pendingUserRecordCount() + userRecords(e.completedRecords()));
    Oracle.assertOutput(e.completedRecords().get(0), in.subList(0, 2), false, null);
    // flush: the listener throws again; c is carried by that exception.
    ListenerFailedException again = assertThrows(ListenerFailedException.class, aggregator::flush);
    assertEquals(0, aggregator.pendingUserRecordCount());
    Oracle.assertOutput(AggregatorTest.single(again.completedRecords()), in.subList(2, 3), false, null);
    assertEquals(2, offered.size());
  }

  /** Pins: a listener throwing on the first record of a flush lost that one and the ones after it. */
  @Test
  void flushOffersEveryRecordToAThrowingListenerAndCarriesThemAll() {
    ShardMap map = evenMap(4);
    List<KinesisRecord> offered = new ArrayList<>();
    List<RuntimeException> thrown = new ArrayList<>();
    Aggregator aggregator = Aggregator.builder().shardMap(map).listener(r -> {
      offered.add(r);
      if (offered.size() % 2 == 1) { // the first and the third
        RuntimeException failure = new IllegalStateException("listener failed on " + r.predictedShardId());
        thrown.add(failure);
        throw failure;
      }
    }).build();
    List<In> in = new ArrayList<>();
    for (String shard : map.shardIds()) {
      in.add(In.of("ключ", map.range(shard).startingHashKey(), bytes(10)));
      in.add(In.of("k".repeat(256), map.range(shard).endingHashKey(), bytes(20)));
    }
    in.forEach(r -> assertNull(r.addTo(aggregator)));
    int pendingBefore = aggregator.pendingUserRecordCount();

    ListenerFailedException e = assertThrows(ListenerFailedException.class, aggregator::flush);

    assertEquals(4, offered.size(), "every record offered, also after the listener threw");
    assertEquals(offered, e.completedRecords());
    assertEquals(List.of(offered.get(0), offered.get(2)), e.failedRecords());
    assertSame(thrown.get(0), e.getCause());
    assertEquals(List.of(thrown.get(1)), List.of(e.getSuppressed()));
    assertEquals(pendingBefore, aggregator.pendingUserRecordCount() + userRecords(e.completedRecords()));
    assertEquals(0, aggregator.pendingUserRecordCount());
    assertEachOnceOnItsShard(e.completedRecords(), in, map, aggregator.maxRecordSize());
  }

  /**
   * Pins: a listener throwing on the first record completed by replaceShardMap lost the others (neither delivered
   * nor returned), with the new map already in force.
   */
  @Test
  void replaceShardMapOffersEveryRecordToAThrowingListenerOnceTheNewMapIsInForce() {
    ShardMap before = evenMap(4);
    ShardMap after = ShardMap.builder()
        .add("left", before.range("shard-0").startingHashKey(), before.range("shard-1").endingHashKey())
        .add("right", before.range("shard-2").startingHashKey(), before.range("shard-3").endingHashKey())
        .build();
    int limit = 2000;
    List<KinesisRecord> offered = new ArrayList<>();
    List<ShardMap> mapsSeen = new ArrayList<>();
    Aggregator[] self = new Aggregator[1];
    Aggregator aggregator = Aggregator.builder().shardMap(before).maxRecordSize(limit).listener(r -> {
      offered.add(r);
      mapsSeen.add(self[0].shardMap());
      if (offered.size() == 1) {
        throw new IllegalStateException("listener failed");
      }
    }).build();
    self[0] = aggregator;
    List<In> in = new ArrayList<>();
    for (String shard : before.shardIds()) {
      BigInteger start = new BigInteger(before.range(shard).startingHashKey());
      for (int i = 0; i < 7; i++) { // 7 x 200 bytes per shard: two shards' worth never fit one aggregate
        in.add(In.of(i % 2 == 0 ? "€" + i : "k" + i, start.add(BigInteger.valueOf(i)).toString(), bytes(200)));
      }
    }
    in.forEach(r -> assertNull(r.addTo(aggregator)));
    int pendingBefore = aggregator.pendingUserRecordCount();
    assertEquals(28, pendingBefore);

    ListenerFailedException e = assertThrows(ListenerFailedException.class, () -> aggregator.replaceShardMap(after));

    assertSame(after, aggregator.shardMap(), "the re-routing succeeded: the new map is in force");
    assertTrue(e.completedRecords().size() >= 2, "fixture: several records completed: " + e.completedRecords());
    assertEquals(offered, e.completedRecords(), "every completed record offered, also after the listener threw");
    assertEquals(Collections.nCopies(offered.size(), after), mapsSeen, "offered only once the map is replaced");
    assertEquals("listener failed", e.getCause().getMessage());
    assertEquals(List.of(offered.get(0)), e.failedRecords());
    assertEquals(pendingBefore, aggregator.pendingUserRecordCount() + userRecords(e.completedRecords()),
        "no pending user record lost");
    List<KinesisRecord> out = new ArrayList<>(e.completedRecords());
    out.addAll(aggregator.flush());
    assertEachOnceOnItsShard(out, in, after, limit);
  }

  /** The listener's normal path stays allocation-free: no list, no exception, for a record completed by add. */
  @Test
  void addWithAListenerAllocatesUnderOneBytePerUserRecordInTheSteadyState() throws ReflectiveOperationException {
    Object threads;
    Method allocated;
    try {
      // Reflection: the test runs inside module io.kplcodec, which does not read java.management.
      threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
      allocated = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
    } catch (ReflectiveOperationException | RuntimeException notHotSpot) {
      return;
    }
    int[] heard = {0};
    Aggregator aggregator = Aggregator.builder().maxRecordSize(64 * 1024).listener(r -> heard[0]++).build();
    byte[] data = new byte[100];
    int userRecords = 200_000;
    for (int round = 0; round < 3; round++) { // warm up: pool, slots, JIT
      addAndRelease(aggregator, data, userRecords);
    }
    long before = (long) allocated.invoke(threads);
    addAndRelease(aggregator, data, userRecords);
    long bytes = (long) allocated.invoke(threads) - before;
    assertTrue(heard[0] > 1000, "fixture: many completed records");
    assertTrue(bytes < userRecords, bytes + " bytes allocated for " + userRecords + " user records");
  }

  private static void addAndRelease(Aggregator aggregator, byte[] data, int userRecords) {
    for (int i = 0; i < userRecords; i++) {
      KinesisRecord completed = aggregator.add("key", null, data);
      if (completed != null) {
        completed.release();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Helpers

  /** {@code map} with {@code parent} split at its middle into {@code parent-low} and {@code parent-high}. */
  static ShardMap splitAtMiddle(ShardMap map, String parent) {
    HashKeyRange range = map.range(parent);
    BigInteger start = new BigInteger(range.startingHashKey());
    BigInteger end = new BigInteger(range.endingHashKey());
    BigInteger middle = start.add(end).shiftRight(1);
    ShardMap.Builder builder = ShardMap.builder();
    for (String id : map.shardIds()) {
      if (!id.equals(parent)) {
        builder.add(id, map.range(id));
      }
    }
    return builder.add(parent + "-low", start.toString(), middle.toString())
        .add(parent + "-high", middle.add(BigInteger.ONE).toString(), end.toString())
        .build();
  }

  static int userRecords(List<KinesisRecord> records) {
    return records.stream().mapToInt(KinesisRecord::userRecordCount).sum();
  }

  /**
   * Every output is within the limit and lands on its predicted shard with all its user records (a KCL-style
   * consumer of that shard drops nothing), and the outputs carry every expected user record exactly once.
   */
  static void assertEachOnceOnItsShard(List<KinesisRecord> outputs, List<In> expected, ShardMap map, int limit) {
    List<String> actual = new ArrayList<>();
    for (KinesisRecord out : outputs) {
      assertTrue(out.sizeInBytes() <= limit, out + " over " + limit);
      assertLandsOnItsShard(out, map);
      if (!out.isAggregated()) {
        assertEquals(out.predictedShardId(), ownerOf(map, Oracle.hashKey(out.partitionKey(), out.explicitHashKey())));
        actual.add(identity(out.partitionKey(), out.explicitHashKey(), out.dataBytes()));
        continue;
      }
      List<UserRecord> users = Deaggregator.create().deaggregate(out.data());
      assertEquals(out.userRecordCount(), users.size());
      for (UserRecord user : users) {
        assertEquals(out.predictedShardId(), ownerOf(map, Oracle.hashKey(user.partitionKey(),
            user.explicitHashKey())), user + " in " + out);
        actual.add(identity(user.partitionKey(), user.explicitHashKey(), user.dataBytes()));
      }
    }
    List<String> wanted = new ArrayList<>();
    for (In r : expected) {
      wanted.add(identity(r.pk(), r.ehk(), r.bytes()));
    }
    Collections.sort(actual);
    Collections.sort(wanted);
    assertEquals(wanted, actual, "every user record exactly once");
  }

  private static String identity(String partitionKey, String explicitHashKey, byte[] data) {
    return partitionKey + " | " + explicitHashKey + " | " + HexFormat.of().formatHex(data);
  }
}
