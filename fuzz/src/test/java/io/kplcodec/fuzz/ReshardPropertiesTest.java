package io.kplcodec.fuzz;

import io.kplcodec.AggregateEncoder;
import io.kplcodec.Aggregator;
import io.kplcodec.Deaggregator;
import io.kplcodec.KinesisRecord;
import io.kplcodec.ListenerFailedException;
import io.kplcodec.RecordTooLargeException;
import io.kplcodec.ShardMap;
import io.kplcodec.UserRecord;
import io.kplcodec.compat.CompatRecord;
import io.kplcodec.compat.ProtobufJavaCodec;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Issue 15: random sequences of adds, flushes and {@link Aggregator#replaceShardMap} calls (splits and merges), with
 * routing by partition key only, a fixed partition key, lone records aggregated, partition keys near 256 characters
 * and user records near the size limit, and a listener that may throw. Checked against a {@link ShardLayout} model
 * (BigInteger ranges) and protobuf-java: no user record lost or duplicated (order kept per hash key), no output over
 * the limit, every user record of an output in the output's predicted shard under the map in force when it was
 * emitted, and a call that throws for any reason but the listener changes nothing.
 */
class ReshardPropertiesTest {
  static final int TRIES = 200;

  private static final ProtobufJavaCodec REFERENCE = new ProtobufJavaCodec();
  private static final Deaggregator DEAGGREGATOR = Deaggregator.create();
  /** With routing by partition key only, shards stay at least 2^-12 of the space: a routing key takes ~4,096 tries. */
  private static final BigInteger MIN_ROUTABLE_WIDTH = BigInteger.ONE.shiftLeft(116);

  /** An aggregator's configuration; {@code listenerThrowsEvery} 0 means a listener that never throws. */
  record Config(int maxRecordSize, boolean routeByPartitionKeyOnly, String fixedPartitionKey,
      boolean aggregateLoneRecords, int maxUserRecords, int listenerThrowsEvery) {
    Aggregator build(ShardMap map, Aggregator.Listener listener) {
      Aggregator.Builder b = Aggregator.builder().shardMap(map).maxRecordSize(maxRecordSize)
          .routeByPartitionKeyOnly(routeByPartitionKeyOnly).aggregateLoneRecords(aggregateLoneRecords)
          .listener(listener);
      if (fixedPartitionKey != null) {
        b.fixedPartitionKey(fixedPartitionKey);
      }
      if (maxUserRecords > 0) {
        b.maxUserRecordsPerAggregate(maxUserRecords);
      }
      return b.build();
    }
  }

  /** One call on the aggregator. */
  interface Op {}

  /** add, with {@code dataLength} bytes from {@code seed}. */
  record Add(String partitionKey, String explicitHashKey, int dataLength, long seed) implements Op {
    CompatRecord record() {
      return new CompatRecord(partitionKey, explicitHashKey, UserRecords.bytes(dataLength, seed));
    }
  }

  /** Ops placed in a shard of the layout as it is when they run: {@code shard} modulo the shard count. */
  interface Placed extends Op {
    int shard();

    /** The adds this op stands for in {@code layout}. */
    List<Op> resolve(ShardLayout layout, Config config);

    static ShardLayout.Shard in(ShardLayout layout, int shard) {
      return layout.shards().get(shard % layout.shards().size());
    }

    /** The hash key {@code u} of the way into the shard's range. */
    static String at(ShardLayout.Shard s, double u) {
      BigInteger width = s.end().subtract(s.start());
      return s.start().add(new java.math.BigDecimal(width).multiply(java.math.BigDecimal.valueOf(u)).toBigInteger())
          .toString();
    }
  }

  /**
   * After a flush, two adds to shard {@code shard} (modulo the shard count when run): a small record with a short
   * key at {@code u1} of the shard's range, then one with a long key at {@code u2}, sized so that the two fill an
   * aggregate to the limit minus {@code slack}. The first at most 0.45 and the second at least 0.55 into the range,
   * so that splitting the shard at its middle separates them, and the second has to lead an aggregate of its own
   * under its long key. Without explicit hash keys both records are routed by their partition keys instead.
   */
  record Pair(String shortKey, String longKey, boolean explicit, int shard, double u1, double u2, int slack,
      long seed) implements Placed {
    @Override
    public List<Op> resolve(ShardLayout layout, Config config) {
      ShardLayout.Shard s = Placed.in(layout, shard);
      Add first = new Add(shortKey, explicit ? Placed.at(s, u1) : null, (int) (seed & 15), seed);
      String ehk = explicit ? Placed.at(s, u2) : null;
      int max = config.maxRecordSize();
      return List.of(first, new Add(longKey, ehk, pairDataLength(max, first, longKey, ehk, slack), seed >>> 4));
    }
  }

  /**
   * After a flush, one add to shard {@code shard} with an explicit hash key {@code u} of the way into its range,
   * alone in an aggregate of the limit minus {@code slack} under the partition key it goes out with: the shard's
   * routing key when routing by partition key only (a reshard may give it a longer one), else the fixed key or its
   * own.
   */
  record Lone(String partitionKey, int shard, double u, int slack, long seed) implements Placed {
    @Override
    public List<Op> resolve(ShardLayout layout, Config config) {
      ShardLayout.Shard s = Placed.in(layout, shard);
      String ehk = Placed.at(s, u);
      String outgoing = config.routeByPartitionKeyOnly() ? routingKey(s)
          : config.fixedPartitionKey() != null ? config.fixedPartitionKey() : partitionKey;
      int size = config.maxRecordSize() - slack - utf8Length(outgoing);
      return List.of(new Add(partitionKey, ehk, fill(new AggregateEncoder(), partitionKey, ehk, size), seed));
    }

    /** The routing key the aggregator documents: the first of "0", "1", ... whose MD5 lies in the shard. */
    private static String routingKey(ShardLayout.Shard s) {
      for (int i = 0; ; i++) {
        if (s.contains(HashKeys.ofPartitionKey(Integer.toString(i)))) {
          return Integer.toString(i);
        }
      }
    }
  }

  /** replaceShardMap with the layout after these steps. */
  record Reshard(List<ShardLayouts.Step> steps) implements Op {}

  /** flush. */
  record Flush() implements Op {}

  record Scenario(Config config, ShardLayout initial, List<Op> ops) {}

  @Provide
  Arbitrary<Scenario> scenarios() {
    Arbitrary<Integer> size = Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.integers().between(60, 3000)),
        Tuple.of(5, Arbitraries.integers().between(3000, 20_000)),
        Tuple.of(1, Arbitraries.just(1 << 20)));
    Arbitrary<String> nearLimitKeys = Arbitraries.oneOf(UserRecords.mixedText(250, 256),
        Arbitraries.of("k".repeat(256), "\u00E9".repeat(256), "\u20AC".repeat(256), "\uD83D\uDE00".repeat(128)));
    Arbitrary<Config> configs = Combinators.combine(size, Arbitraries.of(false, true),
        Arbitraries.oneOf(Arbitraries.of("a", "0"), nearLimitKeys).injectNull(0.7), Arbitraries.of(false, true),
        Arbitraries.integers().between(0, 6).map(n -> n > 3 ? 0 : n),
        Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(1, 3))))
        .as((max, byKey, fixed, lone, count, throwing) ->
            new Config(max, byKey, byKey ? null : fixed, lone, count, throwing));
    return configs.flatMap(config -> ShardLayouts.layouts(3, config.routeByPartitionKeyOnly() ? 0 : 3)
        .flatMap(initial -> ops(config, initial).map(ops -> new Scenario(config, initial, ops))));
  }

  private static Arbitrary<List<Op>> ops(Config config, ShardLayout initial) {
    Arbitrary<String> longKeys = Arbitraries.oneOf(UserRecords.mixedText(250, 256), Arbitraries.of("k".repeat(256),
        "\u00E9".repeat(256), "\u20AC".repeat(256), "\uD83D\uDE00".repeat(128), "\u4E2D".repeat(256)));
    Arbitrary<String> shortKeys = Arbitraries.of("a", "0", "10", "\u00E9", "\uD83D\uDE00");
    Arbitrary<String> keys = Arbitraries.frequencyOf(
        Tuple.of(4, UserRecords.partitionKeys()), Tuple.of(2, longKeys), Tuple.of(1, shortKeys));
    Arbitrary<String> explicitHashKeys = Arbitraries.frequencyOf(
        Tuple.of(2, Arbitraries.just(null)),
        Tuple.of(1, HashKeys.explicitHashKeys()),
        Tuple.of(1, ShardLayouts.hashKeysNear(initial).map(BigInteger::toString)));
    int max = config.maxRecordSize();
    // Data lengths: small, medium, or within a few bytes of the limit alone (raw, or aggregated under a 1-byte key
    // or its own key).
    Arbitrary<Tuple.Tuple3<Integer, Integer, Integer>> lengths = Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.integers().between(0, 64).map(n -> Tuple.of(0, n, 0))),
        Tuple.of(2, Arbitraries.integers().between(0, max / 3).map(n -> Tuple.of(0, n, 0))),
        Tuple.of(3, Combinators.combine(Arbitraries.integers().between(1, 3), Arbitraries.integers().between(-2, 3))
            .as((kind, slack) -> Tuple.of(kind, 0, slack))));
    Arbitrary<List<Op>> add = Combinators.combine(keys, explicitHashKeys, lengths, Arbitraries.longs())
        .as((pk, ehk, length, seed) -> List.of(new Add(pk, ehk, dataLength(max, pk, ehk, length), seed)));
    // A pair that fills an aggregate, or a lone record at the limit, then often a reshard that splits their shard.
    Arbitrary<List<Op>> pair = Combinators.combine(Combinators.combine(shortKeys, longKeys, Arbitraries.of(true, false),
            Arbitraries.integers().between(0, 63)).as(Tuple::of),
        Arbitraries.doubles().between(0, 0.45), Arbitraries.doubles().between(0.55, 1),
        Arbitraries.integers().between(-2, 3), Arbitraries.longs())
        .as((keys4, u1, u2, slack, seed) -> List.of(new Flush(),
            new Pair(keys4.get1(), keys4.get2(), keys4.get3(), keys4.get4(), u1, u2, slack, seed)));
    Arbitrary<List<Op>> lone = Combinators.combine(keys, Arbitraries.integers().between(0, 63),
        Arbitraries.doubles().between(0, 1), Arbitraries.integers().between(-1, 2), Arbitraries.longs())
        .as((pk, shard, u, slack, seed) -> List.of(new Flush(), new Lone(pk, shard, u, slack, seed)));
    Arbitrary<List<Op>> reshard = ShardLayouts.steps(3).filter(steps -> !steps.isEmpty())
        .map(steps -> List.of(new Reshard(steps)));
    Arbitrary<List<ShardLayouts.Step>> steps = ShardLayouts.steps(2);
    Arbitrary<List<Op>> thenReshard = Combinators.combine(Arbitraries.oneOf(pair, lone), steps).as((ops, more) -> {
      List<Op> then = new ArrayList<>(ops);
      Op last = ops.get(ops.size() - 1);
      List<ShardLayouts.Step> reshardSteps = new ArrayList<>();
      if (last instanceof Placed) { // split its shard at the middle, then maybe more
        reshardSteps.add(new ShardLayouts.Step(true, ((Placed) last).shard(), 2, BigInteger.ZERO));
      }
      reshardSteps.addAll(more);
      if (!reshardSteps.isEmpty()) {
        then.add(new Reshard(reshardSteps));
      }
      return then;
    });
    return Arbitraries.frequencyOf(Tuple.of(6, add), Tuple.of(1, pair), Tuple.of(1, lone), Tuple.of(5, thenReshard),
            Tuple.of(2, reshard), Tuple.of(1, Arbitraries.just(List.<Op>of(new Flush()))))
        .list().ofMaxSize(20).withSizeDistribution(net.jqwik.api.RandomDistribution.uniform())
        .map(groups -> {
          List<Op> ops = new ArrayList<>();
          groups.forEach(ops::addAll);
          return ops;
        });
  }

  /**
   * Kind 0: {@code value} bytes. Kind 1: the size raw is the limit minus {@code slack}; kind 2 and 3: the size of a
   * lone aggregate under a 1-byte key (2) or under its own partition key (3) is the limit minus slack.
   */
  private static int dataLength(int max, String partitionKey, String explicitHashKey,
      Tuple.Tuple3<Integer, Integer, Integer> length) {
    int kind = length.get1();
    if (kind == 0) {
      return length.get2();
    }
    int target = max - length.get3();
    if (kind == 1) {
      return Math.max(0, target - utf8Length(partitionKey));
    }
    int outgoingKey = kind == 2 ? 1 : utf8Length(partitionKey);
    return fill(new AggregateEncoder(), partitionKey, explicitHashKey, target - outgoingKey);
  }

  /** The data length for which {@code first} and the second record aggregate to the limit minus slack. */
  private static int pairDataLength(int max, Add first, String partitionKey, String explicitHashKey, int slack) {
    AggregateEncoder encoder = new AggregateEncoder();
    encoder.add(first.partitionKey(), first.explicitHashKey(), new byte[first.dataLength()]);
    return fill(encoder, partitionKey, explicitHashKey, max - slack - utf8Length(first.partitionKey()));
  }

  /** The largest data length whose record keeps {@code encoder}'s size at most {@code size} (0 if none does). */
  private static int fill(AggregateEncoder encoder, String partitionKey, String explicitHashKey, int size) {
    int guess = (int) Math.max(0, size - encoder.sizeWith(partitionKey, explicitHashKey, 0));
    for (int d = guess; d > 0; d--) {
      if (encoder.sizeWith(partitionKey, explicitHashKey, d) <= size) {
        return d;
      }
    }
    return 0;
  }

  /** What one call produced: the records it returned or its ListenerFailedException carried. */
  private static final class Emitted {
    final KinesisRecord record;
    final ShardLayout layout;

    Emitted(KinesisRecord record, ShardLayout layout) {
      this.record = record;
      this.layout = layout;
    }
  }

  @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE) // edge cases would be mostly empty sequences
  void reshardsLoseNothingAndKeepEveryOutputOnItsShard(@ForAll("scenarios") Scenario scenario) {
    Config config = scenario.config();
    List<KinesisRecord> offered = new ArrayList<>();
    Aggregator.Listener listener = record -> {
      offered.add(record);
      if (config.listenerThrowsEvery() > 0 && offered.size() % config.listenerThrowsEvery() == 0) {
        throw new IllegalStateException("listener failed on record " + offered.size());
      }
    };
    ShardLayout layout = scenario.initial();
    Aggregator aggregator = config.build(layout.toShardMap(true), listener);
    List<CompatRecord> accepted = new ArrayList<>();
    List<Emitted> emitted = new ArrayList<>();
    int emittedUserRecords = 0;
    int refusedReshards = 0;
    int listenerFailures = 0;
    List<Op> ops = new ArrayList<>(scenario.ops());
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      if (op instanceof Placed) { // in the shard layout as it is now
        ops.addAll(i + 1, ((Placed) op).resolve(layout, config));
        continue;
      }
      ShardMap mapBefore = aggregator.shardMap();
      int pendingBefore = aggregator.pendingUserRecordCount();
      int offeredBefore = offered.size();
      ShardLayout target = op instanceof Reshard ? reshard(layout, ((Reshard) op).steps(), config) : layout;
      List<KinesisRecord> out;
      CompatRecord added = null;
      try {
        if (op instanceof Add) {
          added = ((Add) op).record();
          KinesisRecord completed = aggregator.add(added.partitionKey(), added.explicitHashKey(), added.data());
          out = completed == null ? List.of() : List.of(completed);
        } else if (op instanceof Reshard) {
          out = aggregator.replaceShardMap(target.toShardMap());
        } else {
          out = aggregator.flush();
        }
      } catch (ListenerFailedException e) {
        out = e.completedRecords(); // the call completed, and the exception carries what it completed
        listenerFailures++;
      } catch (RecordTooLargeException | IllegalStateException e) {
        if (op instanceof Reshard && !config.routeByPartitionKeyOnly()) {
          throw new AssertionError("replaceShardMap can always re-route without routing by partition key", e);
        }
        if (op instanceof Flush) {
          throw new AssertionError("flush threw", e);
        }
        // Refused: nothing may have changed.
        if (aggregator.shardMap() != mapBefore || aggregator.pendingUserRecordCount() != pendingBefore
            || offered.size() != offeredBefore) {
          throw new AssertionError(op + " threw " + e + " but changed the aggregator's state");
        }
        refusedReshards += op instanceof Reshard ? 1 : 0;
        continue;
      }
      if (added != null) {
        accepted.add(added);
      }
      if (op instanceof Reshard) {
        layout = target;
      }
      if (!offered.subList(offeredBefore, offered.size()).equals(out)) {
        throw new AssertionError(op + ": the listener was offered " + offered.subList(offeredBefore, offered.size())
            + " but the call completed " + out);
      }
      for (KinesisRecord r : out) {
        emitted.add(new Emitted(r, layout));
        emittedUserRecords += r.userRecordCount();
      }
      if (aggregator.pendingUserRecordCount() != accepted.size() - emittedUserRecords) {
        throw new AssertionError("After " + op + ": " + aggregator.pendingUserRecordCount() + " pending, "
            + accepted.size() + " accepted, " + emittedUserRecords + " emitted");
      }
    }
    List<KinesisRecord> rest;
    try {
      rest = aggregator.flush();
    } catch (ListenerFailedException e) {
      rest = e.completedRecords();
    }
    for (KinesisRecord r : rest) {
      emitted.add(new Emitted(r, layout));
    }
    if (aggregator.pendingUserRecordCount() != 0) {
      throw new AssertionError("User records pending after the last flush");
    }
    Map<BigInteger, List<CompatRecord>> actual = new HashMap<>();
    for (Emitted e : emitted) {
      for (CompatRecord u : check(e, config)) {
        actual.computeIfAbsent(HashKeys.ofRecord(u.partitionKey(), u.explicitHashKey()), k -> new ArrayList<>())
            .add(u);
      }
    }
    Map<BigInteger, List<CompatRecord>> expected = new HashMap<>();
    for (CompatRecord r : UserRecords.asWritten(accepted)) {
      expected.computeIfAbsent(HashKeys.ofRecord(r.partitionKey(), r.explicitHashKey()), k -> new ArrayList<>())
          .add(r);
    }
    if (!expected.equals(actual)) {
      throw new AssertionError("User records lost, duplicated or reordered per hash key\n  expected: " + expected
          + "\n  actual: " + actual);
    }
    Statistics.label("reshards refused").collect(refusedReshards > 0);
    Statistics.label("listener failures").collect(listenerFailures > 0);
    Statistics.label("raw despite aggregateLoneRecords").collect(config.aggregateLoneRecords()
        && emitted.stream().anyMatch(e -> !e.record.isAggregated()));
  }

  /** Applies the steps; with routing by partition key only, skips those that would make a shard too narrow. */
  private static ShardLayout reshard(ShardLayout layout, List<ShardLayouts.Step> steps, Config config) {
    if (!config.routeByPartitionKeyOnly()) {
      return ShardLayouts.apply(layout, steps);
    }
    for (ShardLayouts.Step step : steps) {
      ShardLayout next = ShardLayouts.apply(layout, List.of(step));
      if (next.shards().stream().allMatch(s -> s.end().subtract(s.start()).compareTo(MIN_ROUTABLE_WIDTH) >= 0)) {
        layout = next;
      }
    }
    return layout;
  }

  /** Checks one output against the layout in force when it was emitted; returns its user records. */
  private static List<CompatRecord> check(Emitted emitted, Config config) {
    KinesisRecord out = emitted.record;
    ShardLayout layout = emitted.layout;
    byte[] bytes = out.dataBytes();
    long size = (long) bytes.length + utf8Length(out.partitionKey());
    if (size > config.maxRecordSize()) {
      throw new AssertionError(out + " is " + size + " bytes, over " + config.maxRecordSize());
    }
    String shard = out.predictedShardId();
    BigInteger landing = out.explicitHashKey() != null ? HashKeys.parse(out.explicitHashKey())
        : HashKeys.ofPartitionKey(out.partitionKey());
    if (landing == null || !layout.owner(landing).id().equals(shard)) {
      throw new AssertionError(out + " lands on " + (landing == null ? "nothing" : layout.owner(landing).id())
          + ", not on " + shard + " of " + layout + " " + layout.shards());
    }
    if (config.routeByPartitionKeyOnly() && out.explicitHashKey() != null) {
      throw new AssertionError(out + " has an explicit hash key although routing by partition key only");
    }
    List<CompatRecord> inside = new ArrayList<>();
    if (out.isAggregated()) {
      if (config.fixedPartitionKey() != null
          && !UserRecords.asWritten(config.fixedPartitionKey()).equals(UserRecords.asWritten(out.partitionKey()))) {
        throw new AssertionError(out + " is not sent with the fixed partition key");
      }
      for (UserRecord u : DEAGGREGATOR.deaggregate(bytes)) {
        inside.add(new CompatRecord(u.partitionKey(), u.explicitHashKey(), u.dataBytes()));
      }
      if (inside.size() != out.userRecordCount() || inside.isEmpty()) {
        throw new AssertionError(out + " decodes to " + inside.size() + " user records");
      }
    } else {
      CompatRecord lone = new CompatRecord(UserRecords.asWritten(out.partitionKey()), out.explicitHashKey(), bytes);
      if (out.userRecordCount() != 1) {
        throw new AssertionError("A raw record must carry one user record: " + out);
      }
      if (config.routeByPartitionKeyOnly() && lone.explicitHashKey() != null) {
        throw new AssertionError("Sent raw, " + out + " loses its explicit hash key");
      }
      if (config.aggregateLoneRecords()) { // allowed only for a record that cannot go aggregated on its own
        String key = config.fixedPartitionKey() != null ? config.fixedPartitionKey() : out.partitionKey();
        long aggregated = REFERENCE.encode(List.of(lone)).length + utf8Length(key);
        if (aggregated <= config.maxRecordSize()) {
          throw new AssertionError(out + " went raw although aggregateLoneRecords and it fits aggregated ("
              + aggregated + " bytes)");
        }
      }
      inside.add(lone);
    }
    for (CompatRecord u : inside) {
      BigInteger key = HashKeys.ofRecord(u.partitionKey(), u.explicitHashKey());
      if (!layout.owner(key).id().equals(shard)) {
        throw new AssertionError("User record " + u + " (hash key " + key + ") belongs to " + layout.owner(key).id()
            + " but its record " + out + " goes to " + shard + " in " + layout + " " + layout.shards());
      }
    }
    return inside;
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
