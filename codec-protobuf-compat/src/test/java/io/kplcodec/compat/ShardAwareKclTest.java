package io.kplcodec.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.Aggregator;
import io.kplcodec.HashKeyRange;
import io.kplcodec.KinesisRecord;
import io.kplcodec.ShardMap;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

/**
 * Conformance 4: every record kpl-codec's shard-aware aggregator emits lands on the shard it predicts, and KCL,
 * consuming that shard with its hash-range filter, drops none of its user records. Checked for shard maps of 1, 2,
 * 4 and 16 equal shards and across a split; two controls show that the check does catch drops.
 */
class ShardAwareKclTest {
  /** User records per shard map (see the README). */
  static final int USER_RECORDS = 10_000;
  /** The KPL's default aggregate size, so that each map yields many aggregates. */
  private static final int MAX_RECORD_SIZE = 51_200;

  @ParameterizedTest(name = "{0} shards")
  @ValueSource(ints = {1, 2, 4, 16})
  void nothingDroppedForEqualShards(int shards) {
    ShardMap map = equalShards(shards);
    Seeds.Case c = Seeds.of("shards-" + shards, 0);
    List<CompatRecord> input = userRecords(c.random, USER_RECORDS);
    Aggregator aggregator = Aggregator.builder().shardMap(map).maxRecordSize(MAX_RECORD_SIZE).build();
    List<Emitted> emitted = new ArrayList<>();
    for (CompatRecord r : input) {
      emit(emitted, map, aggregator.add(r.partitionKey(), r.explicitHashKey(), r.data()));
    }
    aggregator.flush().forEach(record -> emit(emitted, map, record));
    Consumed consumed = consume(c, emitted);
    assertEquals(0, consumed.dropped, () -> c + ": KCL dropped user records");
    assertSamePerShard(c, map, input, consumed);
    assertTrue(emitted.size() > shards, () -> c + ": too few records to say anything: " + emitted.size());
  }

  /**
   * A reshard: shard 1 of 4 splits in two. Records emitted before the split land by the old map; the aggregator
   * is told the new one and re-routes what it holds; nothing is dropped by KCL on any of the five shards.
   */
  @Test
  void nothingDroppedAcrossASplit() {
    ShardMap before = equalShards(4);
    ShardMap after = split(before, "shardId-000000000001", "shardId-000000000004", "shardId-000000000005");
    Seeds.Case c = Seeds.of("split", 0);
    List<CompatRecord> input = userRecords(c.random, USER_RECORDS);
    Aggregator aggregator = Aggregator.builder().shardMap(before).maxRecordSize(MAX_RECORD_SIZE).build();
    List<Emitted> emitted = new ArrayList<>();
    for (int i = 0; i < input.size(); i++) {
      if (i == input.size() / 2) {
        aggregator.replaceShardMap(after).forEach(record -> emit(emitted, after, record));
      }
      CompatRecord r = input.get(i);
      ShardMap current = i < input.size() / 2 ? before : after;
      emit(emitted, current, aggregator.add(r.partitionKey(), r.explicitHashKey(), r.data()));
    }
    aggregator.flush().forEach(record -> emit(emitted, after, record));
    Consumed consumed = consume(c, emitted);
    assertEquals(0, consumed.dropped, () -> c + ": KCL dropped user records");
    assertEquals(multiset(RecordGenerator.asWritten(input)), multiset(consumed.all()), c::toString);
    assertTrue(consumed.byShard.keySet().containsAll(List.of("shardId-000000000004", "shardId-000000000005")),
        () -> c + ": no record reached a child shard: " + consumed.byShard.keySet());
  }

  /** Control: an aggregator that ignores shards, on 16 shards. KCL drops whole aggregates, silently. */
  @Test
  void controlWithoutShardMapKclDropsWholeAggregates() {
    ShardMap map = equalShards(16);
    Seeds.Case c = Seeds.of("control-no-map", 0);
    List<CompatRecord> input = userRecords(c.random, USER_RECORDS);
    Aggregator aggregator = Aggregator.builder().maxRecordSize(MAX_RECORD_SIZE).build();
    List<Emitted> emitted = new ArrayList<>();
    for (CompatRecord r : input) {
      emitLanding(emitted, map, aggregator.add(r.partitionKey(), r.explicitHashKey(), r.data()));
    }
    aggregator.flush().forEach(record -> emitLanding(emitted, map, record));
    Consumed consumed = consume(c, emitted);
    assertTrue(consumed.dropped > USER_RECORDS / 2, () -> c + ": expected KCL to drop most, dropped "
        + consumed.dropped);
    assertTrue(consumed.wholeAggregatesDropped > 0, c::toString);
  }

  /** Control: a shard-aware aggregator that was not told of a split. KCL drops what straddles the children. */
  @Test
  void controlStaleShardMapKclDropsAfterSplit() {
    ShardMap before = equalShards(4);
    ShardMap after = split(before, "shardId-000000000001", "shardId-000000000004", "shardId-000000000005");
    Seeds.Case c = Seeds.of("control-stale-map", 0);
    List<CompatRecord> input = userRecords(c.random, USER_RECORDS);
    Aggregator aggregator = Aggregator.builder().shardMap(before).maxRecordSize(MAX_RECORD_SIZE).build();
    List<Emitted> emitted = new ArrayList<>();
    for (CompatRecord r : input) {
      emitLanding(emitted, after, aggregator.add(r.partitionKey(), r.explicitHashKey(), r.data()));
    }
    aggregator.flush().forEach(record -> emitLanding(emitted, after, record));
    Consumed consumed = consume(c, emitted);
    assertTrue(consumed.dropped > 0, () -> c + ": expected KCL to drop aggregates straddling the split");
  }

  // ---- helpers

  /** An emitted record, the map it was routed with, and where the service puts it. */
  private record Emitted(KinesisRecord record, ShardMap map, String landingShard) {}

  private static void emit(List<Emitted> emitted, ShardMap map, KinesisRecord record) {
    if (record == null) {
      return;
    }
    String landing = map.shardIdFor(record.partitionKey(), record.explicitHashKey());
    assertEquals(record.predictedShardId(), landing, () -> record + " lands on " + landing);
    emitted.add(new Emitted(record, map, landing));
  }

  /** For the controls: no prediction to check, only where the service puts it. */
  private static void emitLanding(List<Emitted> emitted, ShardMap map, KinesisRecord record) {
    if (record != null) {
      emitted.add(new Emitted(record, map, map.shardIdFor(record.partitionKey(), record.explicitHashKey())));
    }
  }

  private static final class Consumed {
    final Map<String, List<CompatRecord>> byShard = new LinkedHashMap<>();
    int dropped;
    int wholeAggregatesDropped;

    List<CompatRecord> all() {
      List<CompatRecord> all = new ArrayList<>();
      byShard.values().forEach(all::addAll);
      return all;
    }
  }

  /** Each record through KCL's deaggregate with the range of the shard it lands on. */
  private static Consumed consume(Seeds.Case c, List<Emitted> emitted) {
    Consumed consumed = new Consumed();
    for (Emitted e : emitted) {
      KinesisRecord record = e.record();
      HashKeyRange range = e.map().range(e.landingShard());
      KclCodec kcl = KclCodec.forShard(range.startingHashKey(), range.endingHashKey());
      List<KinesisClientRecord> output = kcl.deaggregate(KclCodec.kinesisClientRecord(record.dataBytes(),
          record.partitionKey(), record.explicitHashKey()));
      consumed.dropped += record.userRecordCount() - output.size();
      if (output.isEmpty()) {
        consumed.wholeAggregatesDropped++;
      }
      for (int i = 0; i < output.size(); i++) {
        KinesisClientRecord r = output.get(i);
        assertEquals(record.isAggregated(), r.aggregated(), c::toString);
        assertEquals(i, r.subSequenceNumber(), c::toString);
      }
      consumed.byShard.computeIfAbsent(e.landingShard(), k -> new ArrayList<>())
          .addAll(RecordGenerator.asWritten(KclConformanceTest.records(output)));
      record.release();
    }
    return consumed;
  }

  /** Per shard, KCL's user records are exactly the input records of that shard, in input order. */
  private static void assertSamePerShard(Seeds.Case c, ShardMap map, List<CompatRecord> input, Consumed consumed) {
    Map<String, List<CompatRecord>> expected = new LinkedHashMap<>();
    for (CompatRecord r : input) {
      expected.computeIfAbsent(map.shardIdFor(r.partitionKey(), r.explicitHashKey()), k -> new ArrayList<>())
          .add(new CompatRecord(RecordGenerator.asWritten(r.partitionKey()), r.explicitHashKey(), r.data()));
    }
    assertEquals(expected.keySet(), consumed.byShard.keySet(), c::toString);
    for (String shard : expected.keySet()) {
      assertEquals(expected.get(shard), consumed.byShard.get(shard), () -> c + ": records of " + shard);
    }
  }

  private static Map<CompatRecord, Integer> multiset(List<CompatRecord> records) {
    Map<CompatRecord, Integer> counts = new HashMap<>();
    records.forEach(r -> counts.merge(r, 1, Integer::sum));
    return counts;
  }

  /** Random user records: valid partition keys (1..256 chars, any characters) and explicit hash keys. */
  private static List<CompatRecord> userRecords(Random random, int count) {
    RecordGenerator generator = new RecordGenerator(random, false);
    List<CompatRecord> records = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String partitionKey;
      do {
        partitionKey = generator.key();
      } while (partitionKey.isEmpty() || partitionKey.length() > 256);
      String explicitHashKey = random.nextInt(3) == 0 ? new BigInteger(128, random).toString() : null;
      int length = random.nextInt(20) == 0 ? random.nextInt(30_000) : random.nextInt(500);
      records.add(new CompatRecord(partitionKey, explicitHashKey, generator.data(length)));
    }
    return records;
  }

  /** {@code n} shards of equal width, as CreateStream makes them. */
  static ShardMap equalShards(int n) {
    BigInteger space = BigInteger.ONE.shiftLeft(128);
    ShardMap.Builder builder = ShardMap.builder();
    for (int i = 0; i < n; i++) {
      BigInteger start = space.multiply(BigInteger.valueOf(i)).divide(BigInteger.valueOf(n));
      BigInteger end = space.multiply(BigInteger.valueOf(i + 1)).divide(BigInteger.valueOf(n)).subtract(BigInteger.ONE);
      builder.add(String.format("shardId-%012d", i), start.toString(), end.toString());
    }
    return builder.build();
  }

  /** The map after SplitShard of {@code parent} at the middle of its range into two children. */
  static ShardMap split(ShardMap map, String parent, String lowChild, String highChild) {
    ShardMap.Builder builder = ShardMap.builder();
    for (String id : map.shardIds()) {
      HashKeyRange range = map.range(id);
      if (!id.equals(parent)) {
        builder.add(id, range);
        continue;
      }
      BigInteger start = new BigInteger(range.startingHashKey());
      BigInteger end = new BigInteger(range.endingHashKey());
      BigInteger middle = start.add(end).shiftRight(1);
      builder.add(lowChild, start.toString(), middle.toString());
      builder.add(highChild, middle.add(BigInteger.ONE).toString(), end.toString());
    }
    return builder.build();
  }
}
