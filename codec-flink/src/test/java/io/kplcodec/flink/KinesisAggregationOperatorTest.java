package io.kplcodec.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.AggregateEncoder;
import io.kplcodec.Deaggregator;
import io.kplcodec.RecordTooLargeException;
import io.kplcodec.ShardMap;
import io.kplcodec.UserRecord;
import java.io.Serializable;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The aggregation operator in Flink's operator test harness (processing time under the test's control): when it
 * emits (timer, barrier, end of input, never otherwise), that each output lands on the shard of every user record
 * in it, that aggregates are full to the byte, and how it behaves without a shard map and across a reshard.
 */
@SuppressWarnings("try") // the harness's close() may throw InterruptedException
class KinesisAggregationOperatorTest {
  private static final int ONE_MIB = 1024 * 1024;
  private static final Deaggregator DEAGGREGATOR = Deaggregator.create();

  /** A user record as a job would have it. */
  record Event(String partitionKey, String explicitHashKey, byte[] data) implements Serializable {
    static Event of(String partitionKey, String text) {
      return new Event(partitionKey, null, text.getBytes(StandardCharsets.UTF_8));
    }
  }

  /** A user record read back out of the operator's output, with the Kinesis record that carried it. */
  record Received(String partitionKey, String explicitHashKey, String data, KinesisAggregate carrier) {}

  @Test
  void holdsEverythingUntilTheBarrierThenEmitsOneAggregatePerShardLandingOnIt() throws Exception {
    ShardMap shards = evenShards(4);
    try (OneInputStreamOperatorTestHarness<Event, KinesisAggregate> harness =
        open(operator(ONE_MIB, 60_000, ScriptedShardMaps.answering(shards)))) {
      List<String> sent = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        String text = "event-" + i;
        harness.processElement(Event.of("key-" + (i % 50), text), i);
        sent.add(text);
      }
      assertTrue(harness.extractOutputValues().isEmpty(), "nothing leaves before a flush");

      harness.prepareSnapshotPreBarrier(1);

      List<KinesisAggregate> out = harness.extractOutputValues();
      assertEquals(4, out.size(), "one aggregate per shard: " + out);
      List<Received> received = decode(out);
      assertEquals(sent, received.stream().map(Received::data).sorted(byEventNumber()).toList());
      assertEverythingLandsOnItsShard(shards, received);
      assertEquals(1000, received.stream().filter(r -> r.partitionKey().startsWith("key-")).count());
      // Per partition key, order is kept.
      Map<String, Integer> lastByKey = new HashMap<>();
      for (Received r : received) {
        int n = Integer.parseInt(r.data().substring("event-".length()));
        Integer last = lastByKey.put(r.partitionKey(), n);
        assertTrue(last == null || last < n, r.partitionKey() + ": " + last + " then " + n);
      }

      harness.prepareSnapshotPreBarrier(2);
      assertEquals(4, harness.extractOutputValues().size(), "an empty flush emits nothing");
    }
  }

  @Test
  void emitsWhenTheBufferTimeExpiresAndNotBefore() throws Exception {
    try (OneInputStreamOperatorTestHarness<Event, KinesisAggregate> harness =
        open(operator(ONE_MIB, 100, ScriptedShardMaps.answering(evenShards(2))))) {
      harness.setProcessingTime(1_000);
      harness.processElement(Event.of("a", "first"), 0);
      harness.setProcessingTime(1_050);
      harness.processElement(Event.of("b", "second"), 0);
      harness.setProcessingTime(1_099);
      assertTrue(harness.extractOutputValues().isEmpty(), "99 ms after the first record: still buffered");

      harness.setProcessingTime(1_100);
      List<Received> received = decode(harness.extractOutputValues());
      assertEquals(List.of("first", "second"), received.stream().map(Received::data).sorted().toList(),
          "100 ms after the first record, everything pending goes out");

      harness.setProcessingTime(1_150);
      harness.processElement(Event.of("a", "third"), 0);
      harness.setProcessingTime(1_249);
      assertEquals(2, decode(harness.extractOutputValues()).size(), "a new timer starts with the next record");
      harness.setProcessingTime(1_250);
      assertEquals(3, decode(harness.extractOutputValues()).size());
    }
  }

  @Test
  void endOfInputEmitsEverythingPending() throws Exception {
    ShardMap shards = evenShards(3);
    try (OneInputStreamOperatorTestHarness<Event, KinesisAggregate> harness =
        open(operator(ONE_MIB, 60_000, ScriptedShardMaps.answering(shards)))) {
      for (int i = 0; i < 300; i++) {
        harness.processElement(Event.of("k" + i, "v" + i), 0);
      }
      assertTrue(harness.extractOutputValues().isEmpty());
      harness.endInput();
      List<Received> received = decode(harness.extractOutputValues());
      assertEquals(300, received.size());
      assertEverythingLandsOnItsShard(shards, received);
    }
  }

  @Test
  void aggregatesAreFilledToTheRecordLimitExactly() throws Exception {
    int limit = 50_000;
    ShardMap shards = evenShards(2);
    try (OneInputStreamOperatorTestHarness<Event, KinesisAggregate> harness =
        open(operator(limit, 60_000, ScriptedShardMaps.answering(shards)))) {
      Random random = new Random(42);
      List<Event> sent = new ArrayList<>();
      for (int i = 0; i < 3_000; i++) {
        byte[] data = new byte[1 + random.nextInt(random.nextInt(10) == 0 ? 20_000 : 300)];
        random.nextBytes(data);
        Event event = new Event("p" + random.nextInt(40) + "-ü😀", null, data);
        sent.add(event);
        harness.processElement(event, 0);
      }
      harness.endInput();
      List<KinesisAggregate> out = harness.extractOutputValues();
      long userRecords = 0;
      Map<String, List<KinesisAggregate>> byShard = new LinkedHashMap<>();
      for (KinesisAggregate aggregate : out) {
        long size = aggregate.data().length + aggregate.partitionKey().getBytes(StandardCharsets.UTF_8).length;
        assertTrue(size <= limit, "data + partition key within the limit: " + size);
        userRecords += DEAGGREGATOR.deaggregate(aggregate.data()).size();
        byShard.computeIfAbsent(shards.shardIdFor(aggregate.partitionKey(), null), s -> new ArrayList<>())
            .add(aggregate);
      }
      assertEquals(sent.size(), userRecords);
      assertTrue(out.size() < sent.size() / 10, "aggregated: " + out.size() + " records");
      // Maximal packing: every aggregate but a shard's last one was closed only because its successor's first
      // user record did not fit.
      for (List<KinesisAggregate> sequence : byShard.values()) {
        for (int i = 0; i + 1 < sequence.size(); i++) {
          // A lone user record goes out raw; its partition key is then the Kinesis record's.
          KinesisAggregate current = sequence.get(i);
          AggregateEncoder encoder = new AggregateEncoder();
          for (UserRecord user : DEAGGREGATOR.deaggregate(current.data())) {
            encoder.add(user.isAggregated() ? user.partitionKey() : current.partitionKey(), null, user.dataBytes());
          }
          if (encoder.userRecordCount() > 1) {
            assertEquals(current.data().length, encoder.size(), "re-encodes to the same size");
          }
          KinesisAggregate successor = sequence.get(i + 1);
          UserRecord next = DEAGGREGATOR.deaggregate(successor.data()).get(0);
          long withNext = encoder.sizeWith(next.isAggregated() ? next.partitionKey() : successor.partitionKey(), null,
              next.data().remaining()) + current.partitionKey().getBytes(StandardCharsets.UTF_8).length;
          assertTrue(withNext > limit, "the next user record would have fit: " + withNext + " <= " + limit);
        }
      }
    }
  }

  @Test
  void explicitHashKeysRouteThroughAPartitionKeyOfTheirShardAndSurviveInsideTheAggregate() throws Exception {
    ShardMap shards = evenShards(4);
    try (OneInputStreamOperatorTestHarness<Event, KinesisAggregate> harness =
        open(operator(ONE_MIB, 60_000, ScriptedShardMaps.answering(shards)))) {
      // One lone record with an explicit hash key in the last shard: it must still be aggregated, since the sink
      // could send it raw only under its partition key, which hashes elsewhere.
      String lastShardKey = BigInteger.TWO.pow(128).subtract(BigInteger.ONE).toString();
      harness.processElement(new Event("anywhere", lastShardKey, bytes("lone")), 0);
      // And a mix in the first shard: explicit hash keys first, so the aggregate needs a routing key.
      harness.processElement(new Event("x", "0", bytes("ehk-0")), 0);
      harness.processElement(new Event("y", "12345", bytes("ehk-12345")), 0);
      harness.processElement(new Event("z", null, bytes("plain")), 0); // its own shard, by MD5("z")
      harness.prepareSnapshotPreBarrier(1);

      List<Received> received = decode(harness.extractOutputValues());
      assertEquals(4, received.size());
      assertEverythingLandsOnItsShard(shards, received);
      Received lone = received.stream().filter(r -> r.data().equals("lone")).findFirst().orElseThrow();
      assertEquals(lastShardKey, lone.explicitHashKey(), "kept inside the aggregate for consumers");
      assertEquals("shardId-3", shards.shardIdFor(lone.carrier().partitionKey(), null));
      assertTrue(DEAGGREGATOR.classify(lone.carrier().data()) == io.kplcodec.Classification.AGGREGATED);
    }
  }

  /**
   * Issue 22: explicit hash keys in the other forms the KPL accepts are kept canonical inside the aggregate, and one
   * it refuses fails the record with or without a shard map.
   */
  @Test
  void explicitHashKeysAreKeptCanonicalAndRefusedWhetherOrNotTheMapIsKnown() throws Exception {
    ShardMap shards = evenShards(4);
    try (OneInputStreamOperatorTestHarness<Event, KinesisAggregate> harness =
        open(operator(ONE_MIB, 60_000, ScriptedShardMaps.answering(shards)))) {
      harness.processElement(new Event("x", "00042", bytes("a")), 0);
      harness.processElement(new Event("y", " +42", bytes("b")), 0);
      assertThrows(IllegalArgumentException.class, () -> harness.processElement(new Event("z", "-1", bytes("c")), 0));
      harness.prepareSnapshotPreBarrier(1);
      List<Received> received = decode(harness.extractOutputValues());
      assertEquals(List.of("42", "42"), received.stream().map(Received::explicitHashKey).toList());
    }
    try (OneInputStreamOperatorTestHarness<Event, KinesisAggregate> harness =
        open(operator(ONE_MIB, 60_000, ScriptedShardMaps.answering(new CompletableFuture<>()), 60_000, 1))) {
      assertThrows(IllegalArgumentException.class, () -> harness.processElement(new Event("z", "1e3", bytes("c")), 0));
    }
  }

  @Test
  void withoutAShardMapEachAggregateHoldsOnePartitionKeyUntilTheMapArrives() throws Exception {
    CompletableFuture<ShardMap> late = new CompletableFuture<>();
    ScriptedShardMaps source = ScriptedShardMaps.answering(late);
    ShardMap shards = evenShards(4);
    try (OneInputStreamOperatorTestHarness<Event, KinesisAggregate> harness =
        open(operator(ONE_MIB, 60_000, source, 60_000, 20))) {
      for (int i = 0; i < 90; i++) {
        // An explicit hash key cannot be honoured without a map: routed (and kept) by partition key only.
        harness.processElement(new Event("key-" + (i % 3), i == 0 ? "0" : null, bytes("before-" + i)), 0);
      }
      harness.prepareSnapshotPreBarrier(1);
      List<KinesisAggregate> before = harness.extractOutputValues();
      assertEquals(3, before.size(), "one aggregate per partition key");
      for (Received r : decode(before)) {
        assertEquals(r.carrier().partitionKey(), r.partitionKey(), "only its own key's user records: " + r);
        assertNull(r.explicitHashKey());
      }

      harness.processElement(Event.of("key-0", "pending"), 0);
      late.complete(shards); // ListShards answers; taken up with the next record
      harness.processElement(Event.of("key-1", "after"), 0);
      assertEquals(4, harness.extractOutputValues().size(), "the per-key aggregate went out at the switch");
      for (int i = 0; i < 200; i++) {
        harness.processElement(Event.of("k" + i, "shard-aware-" + i), 0);
      }
      harness.prepareSnapshotPreBarrier(2);
      List<KinesisAggregate> after = harness.extractOutputValues().subList(4, harness.extractOutputValues().size());
      assertTrue(after.size() <= 4, "now one aggregate per shard: " + after.size());
      List<Received> received = decode(after);
      assertEquals(201, received.size());
      assertEverythingLandsOnItsShard(shards, received);
    }
  }

  @Test
  void aFailedListShardsAtStartFallsBackAndRetriesUntilItAnswers() throws Exception {
    ScriptedShardMaps source = ScriptedShardMaps.answering(
        CompletableFuture.failedFuture(new IllegalStateException("ListShards refused")), evenShards(2));
    try (OneInputStreamOperatorTestHarness<Event, KinesisAggregate> harness =
        open(operator(ONE_MIB, 60_000, source, 60_000, 1_000))) {
      harness.setProcessingTime(0);
      harness.processElement(Event.of("a", "1"), 0);
      harness.processElement(Event.of("b", "2"), 0);
      harness.prepareSnapshotPreBarrier(1);
      assertEquals(2, harness.extractOutputValues().size(), "per partition key: two raw records");
      assertEquals(1, source.fetches);

      harness.setProcessingTime(5_000); // without a map, ListShards is asked again after 5 s
      assertEquals(2, source.fetches);
      for (int i = 0; i < 10; i++) {
        harness.processElement(Event.of("k" + i, "v" + i), 0);
      }
      harness.prepareSnapshotPreBarrier(2);
      assertEquals(4, harness.extractOutputValues().size(), "now per shard: two aggregates for ten keys");
    }
  }

  @Test
  void aReshardReRoutesPendingUserRecordsToTheirNewShards() throws Exception {
    ShardMap before = evenShards(2);
    ShardMap after = evenShards(4); // every shard split in two
    ScriptedShardMaps source = ScriptedShardMaps.answering(before, after);
    try (OneInputStreamOperatorTestHarness<Event, KinesisAggregate> harness =
        open(operator(ONE_MIB, 600_000, source, 30_000, 1_000))) {
      harness.setProcessingTime(0);
      for (int i = 0; i < 400; i++) {
        harness.processElement(Event.of("k" + i, "pending-" + i), 0);
      }
      harness.setProcessingTime(30_000); // the refresh lists the new map
      assertEquals(2, source.fetches);
      harness.processElement(Event.of("k0", "after-refresh"), 0);
      assertTrue(harness.extractOutputValues().isEmpty(), "re-routing completes nothing early");
      harness.prepareSnapshotPreBarrier(1);
      List<KinesisAggregate> out = harness.extractOutputValues();
      assertEquals(4, out.size(), "one aggregate per new shard");
      List<Received> received = decode(out);
      assertEquals(401, received.size());
      assertEverythingLandsOnItsShard(after, received);
    }
  }

  @Test
  void aUserRecordThatCanNeverFitFailsAndLosesNothingPending() throws Exception {
    try (OneInputStreamOperatorTestHarness<Event, KinesisAggregate> harness =
        open(operator(10_000, 60_000, ScriptedShardMaps.answering(evenShards(1))))) {
      harness.processElement(Event.of("a", "kept"), 0);
      assertThrows(RecordTooLargeException.class,
          () -> harness.processElement(new Event("b", null, new byte[10_000]), 0));
      assertThrows(IllegalArgumentException.class, () -> harness.processElement(Event.of("", "empty key"), 0));
      harness.prepareSnapshotPreBarrier(1);
      assertEquals(List.of("kept"), decode(harness.extractOutputValues()).stream().map(Received::data).toList());
    }
  }

  @Test
  void perPartitionKeyAggregationBoundsItsOpenKeysAndLosesNothing() {
    PartitionKeyAggregation aggregation = new PartitionKeyAggregation(ONE_MIB);
    List<KinesisAggregate> out = new ArrayList<>();
    int keys = PartitionKeyAggregation.MAX_OPEN_PARTITION_KEYS * 3;
    for (int round = 0; round < 4; round++) {
      for (int k = 0; k < keys; k++) {
        aggregation.add("key-" + k, bytes(round + "/" + k), record -> {
          out.add(new KinesisAggregate(record.partitionKey(), record.dataBytes()));
          record.release();
        });
      }
    }
    assertTrue(aggregation.pendingUserRecordCount() <= PartitionKeyAggregation.MAX_OPEN_PARTITION_KEYS * 4);
    aggregation.flush(record -> {
      out.add(new KinesisAggregate(record.partitionKey(), record.dataBytes()));
      record.release();
    });
    assertEquals(0, aggregation.pendingUserRecordCount());
    List<Received> received = decode(out);
    assertEquals(keys * 4, received.size());
    for (Received r : received) {
      assertEquals(r.carrier().partitionKey(), r.partitionKey());
      assertTrue(r.data().endsWith("/" + r.partitionKey().substring("key-".length())), r.toString());
    }
  }

  // -- helpers

  static KinesisAggregationOperator<Event> operator(int maxRecordSize, long maxBufferMillis, ShardMapSource source) {
    return operator(maxRecordSize, maxBufferMillis, source, 60_000, 1_000);
  }

  static KinesisAggregationOperator<Event> operator(int maxRecordSize, long maxBufferMillis, ShardMapSource source,
      long refreshMillis, long initialWaitMillis) {
    return new KinesisAggregationOperator<>(Event::data, Event::partitionKey, Event::explicitHashKey, maxRecordSize,
        maxBufferMillis, source, refreshMillis, initialWaitMillis);
  }

  static OneInputStreamOperatorTestHarness<Event, KinesisAggregate> open(KinesisAggregationOperator<Event> operator)
      throws Exception {
    OneInputStreamOperatorTestHarness<Event, KinesisAggregate> harness =
        new OneInputStreamOperatorTestHarness<>(operator);
    harness.setup(KinesisAggregate.Serializer.INSTANCE);
    harness.open();
    return harness;
  }

  /** The user records in the outputs, in output order; a raw record's partition key is its carrier's. */
  static List<Received> decode(List<KinesisAggregate> out) {
    List<Received> received = new ArrayList<>();
    for (KinesisAggregate aggregate : out) {
      for (UserRecord user : DEAGGREGATOR.deaggregate(aggregate.data())) {
        received.add(new Received(user.isAggregated() ? user.partitionKey() : aggregate.partitionKey(),
            user.explicitHashKey(), new String(user.dataBytes(), StandardCharsets.UTF_8), aggregate));
      }
    }
    return received;
  }

  /** Each carrier's partition key hashes into the shard every user record in it belongs to. */
  static void assertEverythingLandsOnItsShard(ShardMap shards, List<Received> received) {
    for (Received r : received) {
      assertEquals(shards.shardIdFor(r.partitionKey(), r.explicitHashKey()),
          shards.shardIdFor(r.carrier().partitionKey(), null), () -> "misrouted: " + r);
    }
  }

  /** {@code n} shards splitting the hash key space evenly, named shardId-0 ... */
  static ShardMap evenShards(int n) {
    BigInteger space = BigInteger.TWO.pow(128);
    ShardMap.Builder builder = ShardMap.builder();
    for (int i = 0; i < n; i++) {
      BigInteger start = space.multiply(BigInteger.valueOf(i)).divide(BigInteger.valueOf(n));
      BigInteger end = space.multiply(BigInteger.valueOf(i + 1)).divide(BigInteger.valueOf(n)).subtract(BigInteger.ONE);
      builder.add("shardId-" + i, start.toString(), end.toString());
    }
    return builder.build();
  }

  private static java.util.Comparator<String> byEventNumber() {
    return java.util.Comparator.comparingInt(s -> Integer.parseInt(s.substring("event-".length())));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Answers fetches from a script (a map or a future each), repeating the last answer. */
  static final class ScriptedShardMaps implements ShardMapSource {
    private static final long serialVersionUID = 1L;
    private final transient Deque<CompletableFuture<ShardMap>> script = new ArrayDeque<>();
    private transient CompletableFuture<ShardMap> last;
    int fetches;

    static ScriptedShardMaps answering(Object... answers) {
      ScriptedShardMaps source = new ScriptedShardMaps();
      Arrays.stream(answers).forEach(answer -> source.script.add(answer instanceof ShardMap
          ? CompletableFuture.completedFuture((ShardMap) answer) : castFuture(answer)));
      return source;
    }

    @SuppressWarnings("unchecked")
    private static CompletableFuture<ShardMap> castFuture(Object answer) {
      return (CompletableFuture<ShardMap>) answer;
    }

    @Override
    public void open() {}

    @Override
    public CompletableFuture<ShardMap> fetch() {
      fetches++;
      if (!script.isEmpty()) {
        last = script.poll();
      }
      return last;
    }

    @Override
    public void close() {}
  }

}
