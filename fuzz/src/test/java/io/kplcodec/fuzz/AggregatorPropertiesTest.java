package io.kplcodec.fuzz;

import io.kplcodec.AggregateEncoder;
import io.kplcodec.Aggregator;
import io.kplcodec.Deaggregator;
import io.kplcodec.Deaggregator.HashRangePolicy;
import io.kplcodec.KinesisRecord;
import io.kplcodec.PutRecordsBatcher;
import io.kplcodec.RecordTooLargeException;
import io.kplcodec.UserRecord;
import io.kplcodec.compat.CompatRecord;
import io.kplcodec.compat.Hex;
import io.kplcodec.compat.KplExplicitHashKeys;
import io.kplcodec.compat.ProtobufJavaCodec;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;

/**
 * The producer side: exact sizes, the size limit and maximal packing, shard-aware routing (also across a reshard),
 * and the order and completeness of what comes out, checked against protobuf-java's encoding and a
 * {@link BigInteger} model of hash keys and shards.
 */
class AggregatorPropertiesTest {
  static final int SIZE_TRIES = 1000;
  static final int LIMIT_TRIES = 500;
  static final int SHARD_TRIES = 300;
  static final int BATCHER_TRIES = 1000;

  private static final ProtobufJavaCodec REFERENCE = new ProtobufJavaCodec();
  private static final Deaggregator DEAGGREGATOR = Deaggregator.create();

  /** The size predicted before adding equals the size after, and the bytes are protobuf-java's. */
  @Property(tries = SIZE_TRIES)
  void sizeWithPredictsTheExactEncodedSize(@ForAll("wireRecords") List<CompatRecord> records) {
    AggregateEncoder encoder = new AggregateEncoder();
    List<CompatRecord> added = new ArrayList<>();
    for (CompatRecord r : records) {
      long predicted = encoder.sizeWith(r.partitionKey(), r.explicitHashKey(), r.data().length);
      encoder.add(r.partitionKey(), r.explicitHashKey(), r.data());
      added.add(r);
      if (predicted != encoder.size()) {
        throw new AssertionError("sizeWith predicted " + predicted + " but the size became " + encoder.size()
            + " after " + added);
      }
    }
    byte[] expected = REFERENCE.encode(KplExplicitHashKeys.asSent(records)); // the KPL writes them canonical
    byte[] actual = encoder.toByteArray();
    if (actual.length != encoder.size() || !Arrays.equals(expected, actual)) {
      throw new AssertionError("size() " + encoder.size() + ", encoded " + Hex.abbreviate(actual)
          + ", protobuf-java " + Hex.abbreviate(expected));
    }
  }

  /** How an aggregator is configured for {@link #outputRespectsTheLimitIsMaximallyPackedAndLosesNothing}. */
  record Config(int maxRecordSize, int maxUserRecords, String fixedPartitionKey, boolean aggregateLoneRecords,
      int fillPercent) {
    /** The size aggregates are filled to: the record size unless a smaller one is set. */
    int maxAggregateSize() {
      return fillPercent == 0 ? maxRecordSize : Math.max(1, (int) ((long) maxRecordSize * fillPercent / 100));
    }

    Aggregator build() {
      Aggregator.Builder b = Aggregator.builder().maxRecordSize(maxRecordSize)
          .aggregateLoneRecords(aggregateLoneRecords);
      if (fillPercent > 0) {
        b.maxAggregateSize(maxAggregateSize());
      }
      if (maxUserRecords > 0) {
        b.maxUserRecordsPerAggregate(maxUserRecords);
      }
      if (fixedPartitionKey != null) {
        b.fixedPartitionKey(fixedPartitionKey);
      }
      return b.build();
    }
  }

  @Provide
  Arbitrary<Config> configs() {
    Arbitrary<Integer> size = Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.integers().between(1, 400)),
        Tuple.of(4, Arbitraries.integers().between(400, 8000)),
        Tuple.of(1, Arbitraries.of(1 << 20, 10 << 20)));
    return Combinators.combine(size,
        Arbitraries.integers().between(0, 6).map(n -> n == 0 || n > 4 ? 0 : n),
        UserRecords.partitionKeys().injectNull(0.7),
        Arbitraries.of(false, true),
        Arbitraries.frequencyOf(Tuple.of(2, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(1, 100))))
        .as(Config::new);
  }

  /**
   * No output exceeds the limit (outgoing partition key included), and no aggregate of several user records the fill
   * size; every aggregate but the last is closed only because the next user record would not fit within the fill
   * size (or the count limit); a user record is refused only if it fits
   * neither the open aggregate nor a Kinesis record of its own; decoding the output gives back every accepted user record once, in order; the aggregate's
   * keys are its first user record's; and the output batches into valid PutRecords requests.
   */
  @Property(tries = LIMIT_TRIES)
  void outputRespectsTheLimitIsMaximallyPackedAndLosesNothing(@ForAll("configs") Config config,
      @ForAll("producerRecords") List<CompatRecord> records, @ForAll @IntRange(min = 0, max = 3) int releaseEvery) {
    Aggregator aggregator = config.build();
    List<CompatRecord> accepted = new ArrayList<>();
    List<KinesisRecord> output = new ArrayList<>();
    List<Sent> snapshots = new ArrayList<>(); // what each output was when returned: some are released below
    int refused = 0;
    for (CompatRecord r : records) {
      boolean sendable = sendableAlone(config, r);
      try {
        KinesisRecord completed = add(aggregator, r, accepted.size() + refused);
        if (completed != null) {
          output.add(completed);
          snapshots.add(new Sent(completed));
          releaseSome(completed, releaseEvery, output.size());
        }
      } catch (RecordTooLargeException e) {
        if (sendable) {
          throw new AssertionError("Refused a user record that fits alone: " + r + " with " + config, e);
        }
        refused++;
        continue;
      }
      // A record too big to go alone may still join the open aggregate (whose outgoing key may be shorter):
      // the output checks below hold it to the limit either way.
      accepted.add(r);
    }
    for (KinesisRecord flushed : aggregator.flush()) {
      output.add(flushed);
      snapshots.add(new Sent(flushed));
    }
    // Records not released are untouched by the pool reusing the released ones' buffers.
    for (int i = 0; i < output.size(); i++) {
      if (!output.get(i).isReleased() && !Arrays.equals(snapshots.get(i).bytes, output.get(i).dataBytes())) {
        throw new AssertionError("Output " + i + " changed after it was returned: " + output.get(i));
      }
    }
    if (aggregator.pendingUserRecordCount() != 0) {
      throw new AssertionError("User records still pending after flush");
    }
    List<List<CompatRecord>> contents = new ArrayList<>();
    for (Sent out : snapshots) {
      if (out.sizeInBytes > config.maxRecordSize()) {
        throw new AssertionError(out + " is over the limit of " + config.maxRecordSize());
      }
      if (out.userRecordCount > 1 && out.sizeInBytes > config.maxAggregateSize()) {
        throw new AssertionError(out + " is filled over the aggregate size of " + config.maxAggregateSize());
      }
      List<CompatRecord> inside = contents(out);
      CompatRecord first = inside.get(0);
      if (out.aggregated) {
        String expectedKey = config.fixedPartitionKey() != null ? config.fixedPartitionKey() : first.partitionKey();
        String expectedHashKey = HashKeys.ofRecord(first.partitionKey(), first.explicitHashKey()).toString();
        if (!UserRecords.asWritten(expectedKey).equals(UserRecords.asWritten(out.partitionKey))
            || !expectedHashKey.equals(out.explicitHashKey)) {
          throw new AssertionError(out + " should carry partition key " + expectedKey + " and explicit hash key "
              + expectedHashKey);
        }
      } else if (inside.size() != 1 || config.aggregateLoneRecords()) {
        throw new AssertionError("A raw record must be a lone user record, and only without aggregateLoneRecords");
      }
      contents.add(inside);
    }
    List<CompatRecord> decoded = new ArrayList<>();
    contents.forEach(decoded::addAll);
    if (!UserRecords.asWritten(accepted).equals(decoded)) {
      throw new AssertionError("Accepted " + accepted.size() + " user records, got back " + decoded.size()
          + "\n  accepted: " + accepted + "\n  decoded: " + decoded);
    }
    // The packing check uses the user records as added: the key tables deduplicate by String.equals, so two
    // distinct keys that are both written as '?' (unpaired surrogates) still take two entries.
    int start = 0;
    for (int i = 0; i + 1 < contents.size(); i++) {
      int count = contents.get(i).size();
      List<CompatRecord> inside = accepted.subList(start, start + count);
      start += count;
      if (config.maxUserRecords() > 0 && count == config.maxUserRecords()) {
        continue;
      }
      CompatRecord next = accepted.get(start);
      List<CompatRecord> withNext = new ArrayList<>(inside);
      withNext.add(next);
      long size = REFERENCE.encode(withNext).length + utf8Length(outgoingKey(config, inside.get(0)));
      if (size <= config.maxAggregateSize()) {
        throw new AssertionError("Not maximally packed: " + count + " user records closed although the next ("
            + next + ") fits: " + size + " <= " + config.maxAggregateSize() + " with " + config);
      }
    }
    List<KinesisRecord> resent = new ArrayList<>(); // released records cannot be batched: the same, plain
    for (Sent out : snapshots) {
      resent.add(KinesisRecord.of(out.partitionKey, out.explicitHashKey, out.bytes));
    }
    checkBatches(resent, PutRecordsBatcher.builder().maxRecordSize(config.maxRecordSize()).build());
    Statistics.label("released as sent").collect(releaseEvery > 0);
    Statistics.label("outputs").collect(output.size() < 2 ? "0-1" : output.size() < 10 ? "2-9" : "10+");
    Statistics.label("refused").collect(refused > 0);
  }

  /** Adds through one of the three add methods (array, array range, direct buffer), chosen by {@code i}. */
  private static KinesisRecord add(Aggregator aggregator, CompatRecord r, int i) {
    switch (i % 3) {
      case 0:
        return aggregator.add(r.partitionKey(), r.explicitHashKey(), r.data());
      case 1: {
        byte[] padded = new byte[r.data().length + 5];
        System.arraycopy(r.data(), 0, padded, 3, r.data().length);
        return aggregator.add(r.partitionKey(), r.explicitHashKey(), padded, 3, r.data().length);
      }
      default: {
        java.nio.ByteBuffer direct = java.nio.ByteBuffer.allocateDirect(r.data().length + 4);
        direct.position(2);
        direct.put(r.data()).flip().position(2);
        KinesisRecord out = aggregator.add(r.partitionKey(), r.explicitHashKey(), direct);
        if (direct.position() != 2) {
          throw new AssertionError("add(ByteBuffer) moved the caller's position");
        }
        return out;
      }
    }
  }

  /** Gives every {@code every}-th output back to the pool once it is read, as a producer does once it is sent. */
  private static void releaseSome(KinesisRecord out, int every, int n) {
    if (every > 0 && n % every == 0) {
      out.release();
    }
  }

  /** A Kinesis record as it was when the aggregator returned it. */
  private static final class Sent {
    final String partitionKey;
    final String explicitHashKey;
    final byte[] bytes;
    final long sizeInBytes;
    final boolean aggregated;
    final int userRecordCount;
    final String description;

    Sent(KinesisRecord record) {
      partitionKey = record.partitionKey();
      explicitHashKey = record.explicitHashKey();
      bytes = record.dataBytes();
      sizeInBytes = record.sizeInBytes();
      aggregated = record.isAggregated();
      userRecordCount = record.userRecordCount();
      description = record.toString();
    }

    @Override
    public String toString() {
      return description;
    }
  }

  /** The Kinesis record's user records, as they decode (a raw record: itself). */
  private static List<CompatRecord> contents(KinesisRecord out) {
    return contents(new Sent(out));
  }

  /** The user records of {@code out} (a raw record: itself). */
  private static List<CompatRecord> contents(Sent out) {
    if (!out.aggregated) {
      return List.of(new CompatRecord(UserRecords.asWritten(out.partitionKey), out.explicitHashKey, out.bytes));
    }
    List<CompatRecord> inside = new ArrayList<>();
    for (UserRecord u : DEAGGREGATOR.deaggregate(out.bytes)) {
      if (!u.isAggregated()) {
        throw new AssertionError("An aggregated output does not decode as an aggregate: " + out);
      }
      inside.add(new CompatRecord(u.partitionKey(), u.explicitHashKey(), u.dataBytes()));
    }
    if (inside.size() != out.userRecordCount || inside.isEmpty()) {
      throw new AssertionError(out + " decodes to " + inside.size() + " user records");
    }
    return inside;
  }

  private static boolean sendableAlone(Config config, CompatRecord r) {
    long aggregated = REFERENCE.encode(List.of(r)).length + utf8Length(outgoingKey(config, r));
    long raw = (long) r.data().length + utf8Length(r.partitionKey());
    return aggregated <= config.maxRecordSize() || (!config.aggregateLoneRecords() && raw <= config.maxRecordSize());
  }

  private static String outgoingKey(Config config, CompatRecord first) {
    return config.fixedPartitionKey() != null ? config.fixedPartitionKey() : first.partitionKey();
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** Every request within 500 entries and the byte limit, order kept, nothing lost or duplicated. */
  private static void checkBatches(List<KinesisRecord> records, PutRecordsBatcher batcher) {
    PutRecordsBatcher.Batches batches = batcher.split(records);
    List<KinesisRecord> flat = new ArrayList<>();
    for (List<KinesisRecord> request : batches.requests()) {
      long bytes = request.stream().mapToLong(KinesisRecord::sizeInBytes).sum();
      if (request.isEmpty() || request.size() > 500 || bytes > 5L << 20) {
        throw new AssertionError("Request of " + request.size() + " entries and " + bytes + " bytes");
      }
      flat.addAll(request);
    }
    if (!batches.rejected().isEmpty() || !sameIdentities(flat, records)) {
      throw new AssertionError("Batches lost, duplicated or reordered records");
    }
  }

  private static boolean sameIdentities(List<KinesisRecord> a, List<KinesisRecord> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != b.get(i)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Shard-aware aggregation: every user record of an output maps to the shard the output lands on (by its explicit
   * hash key), for arbitrary shard maps, also when the map is replaced after splits and merges with user records
   * pending; a consumer of that shard dropping whole aggregates on one out-of-range record (as KCL does) drops
   * nothing; nothing is lost or duplicated and the order per hash key is kept.
   */
  @Property(tries = SHARD_TRIES)
  void everyUserRecordBelongsToItsAggregatesShard(@ForAll("layouts") ShardLayout before,
      @ForAll("reshards") List<ShardLayouts.Step> reshard, @ForAll("producerRecords") List<CompatRecord> records,
      @ForAll @IntRange(min = 0, max = 30) int reshardAt, @ForAll @IntRange(min = 200, max = 20_000) int maxSize,
      @ForAll boolean aggregateLoneRecords) {
    ShardLayout after = ShardLayouts.apply(before, reshard);
    Aggregator aggregator = Aggregator.builder().shardMap(before.toShardMap(true)).maxRecordSize(maxSize)
        .aggregateLoneRecords(aggregateLoneRecords).build();
    List<CompatRecord> accepted = new ArrayList<>();
    List<KinesisRecord> outputs = new ArrayList<>();
    List<ShardLayout> layoutOf = new ArrayList<>();
    ShardLayout current = before;
    for (int i = 0; i < records.size(); i++) {
      if (i == reshardAt) {
        current = after;
        for (KinesisRecord r : aggregator.replaceShardMap(after.toShardMap())) {
          outputs.add(r);
          layoutOf.add(after);
        }
      }
      CompatRecord r = records.get(i);
      try {
        KinesisRecord out = aggregator.add(r.partitionKey(), r.explicitHashKey(), r.data());
        accepted.add(r);
        if (out != null) {
          outputs.add(out);
          layoutOf.add(current);
        }
      } catch (RecordTooLargeException tooLarge) {
        // Checked by the size property.
      }
    }
    for (KinesisRecord r : aggregator.flush()) {
      outputs.add(r);
      layoutOf.add(current);
    }
    Map<BigInteger, List<CompatRecord>> expectedPerKey = byHashKey(UserRecords.asWritten(accepted));
    Map<BigInteger, List<CompatRecord>> actualPerKey = new HashMap<>();
    for (int i = 0; i < outputs.size(); i++) {
      KinesisRecord out = outputs.get(i);
      ShardLayout layout = layoutOf.get(i);
      String shard = out.predictedShardId();
      for (CompatRecord u : contents(out)) {
        BigInteger key = HashKeys.ofRecord(u.partitionKey(), u.explicitHashKey());
        String owner = layout.owner(key).id();
        if (!owner.equals(shard)) {
          throw new AssertionError("User record " + u + " (hash key " + key + ") belongs to " + owner + " but its "
              + "record " + out + " goes to " + shard + " in " + layout + " " + layout.shards());
        }
        actualPerKey.computeIfAbsent(key, k -> new ArrayList<>()).add(u);
      }
      BigInteger landing = out.explicitHashKey() != null ? new BigInteger(out.explicitHashKey())
          : HashKeys.ofPartitionKey(out.partitionKey());
      if (!layout.owner(landing).id().equals(shard)) {
        throw new AssertionError(out + " lands on " + layout.owner(landing).id() + ", not " + shard);
      }
      if (out.isAggregated()) {
        ShardLayout.Shard s = layout.owner(landing);
        List<UserRecord> dropped = new ArrayList<>();
        Deaggregator.builder()
            .hashRange(io.kplcodec.HashKeyRange.of(s.start().toString(), s.end().toString()))
            .hashRangePolicy(HashRangePolicy.DROP_WHOLE_AGGREGATE)
            .listener(new Deaggregator.Listener() {
              @Override
              public void dropped(UserRecord record, Deaggregator.DropReason reason) {
                dropped.add(record);
              }
            }).build().deaggregate(out.dataBytes());
        if (!dropped.isEmpty()) {
          throw new AssertionError("The consumer of " + s.id() + " would drop " + dropped);
        }
      }
    }
    if (!expectedPerKey.equals(actualPerKey)) {
      throw new AssertionError("User records lost, duplicated or reordered per hash key\n  expected: "
          + expectedPerKey + "\n  actual: " + actualPerKey);
    }
    Statistics.label("shards before/after").collect(before.shards().size() + "->" + after.shards().size());
    Statistics.label("resharded with records pending").collect(reshardAt < records.size() && reshardAt > 0);
  }

  private static Map<BigInteger, List<CompatRecord>> byHashKey(List<CompatRecord> records) {
    Map<BigInteger, List<CompatRecord>> out = new HashMap<>();
    for (CompatRecord r : records) {
      out.computeIfAbsent(HashKeys.ofRecord(r.partitionKey(), r.explicitHashKey()), k -> new ArrayList<>()).add(r);
    }
    return out;
  }

  /** A batcher's configuration. */
  record BatcherConfig(int maxEntries, int maxRequestBytes, int maxRecordBytes, boolean rejectOversize) {}

  @Provide
  Arbitrary<BatcherConfig> batcherConfigs() {
    return Combinators.combine(
        Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.integers().between(1, 10)),
            Tuple.of(1, Arbitraries.integers().between(1, 500)), Tuple.of(1, Arbitraries.just(500))),
        Arbitraries.integers().between(1, 400_000),
        Arbitraries.integers().between(1, 200_000),
        Arbitraries.of(false, true)).as(BatcherConfig::new);
  }

  @Provide
  Arbitrary<List<int[]>> plainRecords() {
    // {partition key length, data length}: sizes around the limits drawn above.
    return Combinators.combine(Arbitraries.integers().between(1, 256),
            Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.integers().between(0, 2000)),
                Tuple.of(1, Arbitraries.integers().between(0, 150_000))))
        .as((k, d) -> new int[] {k, d}).list().ofMaxSize(1200)
        .withSizeDistribution(net.jqwik.api.RandomDistribution.uniform());
  }

  /**
   * Batcher: every request within the entry and byte limits and greedily filled (a request closes only when the
   * next record would break a limit); order kept; nothing lost or duplicated; an oversize record is rejected or
   * thrown, never silently dropped.
   */
  @Property(tries = BATCHER_TRIES)
  void batchesRespectTheLimitsAndKeepEveryRecordInOrder(@ForAll("batcherConfigs") BatcherConfig config,
      @ForAll("plainRecords") List<int[]> shapes) {
    List<KinesisRecord> records = new ArrayList<>();
    for (int[] shape : shapes) {
      records.add(KinesisRecord.of("k".repeat(shape[0]), null, new byte[shape[1]]));
    }
    PutRecordsBatcher batcher = PutRecordsBatcher.builder().maxEntriesPerRequest(config.maxEntries())
        .maxRequestSize(config.maxRequestBytes()).maxRecordSize(config.maxRecordBytes())
        .rejectOversizeRecords(config.rejectOversize()).build();
    long limit = Math.min((long) config.maxRecordBytes(), config.maxRequestBytes());
    List<KinesisRecord> oversize = records.stream().filter(r -> r.sizeInBytes() > limit).toList();
    PutRecordsBatcher.Batches batches;
    try {
      batches = batcher.split(records);
    } catch (RecordTooLargeException e) {
      if (config.rejectOversize() || oversize.isEmpty()) {
        throw new AssertionError("Threw although " + (config.rejectOversize() ? "rejecting" : "nothing is oversize"),
            e);
      }
      return;
    }
    if (!config.rejectOversize() && !oversize.isEmpty()) {
      throw new AssertionError("Did not throw for " + oversize.size() + " oversize records");
    }
    if (!sameIdentities(batches.rejected(), oversize)) {
      throw new AssertionError("Rejected " + batches.rejected().size() + ", expected " + oversize.size());
    }
    List<KinesisRecord> flat = new ArrayList<>();
    List<List<KinesisRecord>> requests = batches.requests();
    for (int i = 0; i < requests.size(); i++) {
      List<KinesisRecord> request = requests.get(i);
      long bytes = request.stream().mapToLong(KinesisRecord::sizeInBytes).sum();
      if (request.isEmpty() || request.size() > config.maxEntries() || bytes > config.maxRequestBytes()) {
        throw new AssertionError("Request " + i + ": " + request.size() + " entries, " + bytes + " bytes, " + config);
      }
      if (i + 1 < requests.size() && request.size() < config.maxEntries()
          && bytes + requests.get(i + 1).get(0).sizeInBytes() <= config.maxRequestBytes()) {
        throw new AssertionError("Request " + i + " closed although the next record fits: " + config);
      }
      flat.addAll(request);
    }
    List<KinesisRecord> sendable = records.stream().filter(r -> r.sizeInBytes() <= limit).toList();
    if (!sameIdentities(flat, sendable)) {
      throw new AssertionError("Requests lost, duplicated or reordered records");
    }
    Statistics.label("requests").collect(requests.size() < 2 ? "0-1" : requests.size() < 10 ? "2-9" : "10+");
  }

  @Provide
  Arbitrary<List<CompatRecord>> wireRecords() {
    return UserRecords.builder().givenExplicitHashKeys().build();
  }

  @Provide
  Arbitrary<List<CompatRecord>> producerRecords() {
    return UserRecords.builder().records(0, 60).maxDataLength(3000).build();
  }

  @Provide
  Arbitrary<ShardLayout> layouts() {
    return ShardLayouts.layouts();
  }

  @Provide
  Arbitrary<List<ShardLayouts.Step>> reshards() {
    return ShardLayouts.steps(6);
  }

}
