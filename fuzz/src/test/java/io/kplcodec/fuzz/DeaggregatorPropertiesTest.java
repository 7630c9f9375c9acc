package io.kplcodec.fuzz;

import io.kplcodec.AggregateEncoder;
import io.kplcodec.HashKeyRange;
import io.kplcodec.compat.CompatRecord;
import java.math.BigInteger;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The consumer side of kpl-codec on canonical, mutated and arbitrary input: the differential against protobuf-java
 * with kpl-codec's exact reason and offset on the documented differences, every entry point agreeing, and the
 * hash-range filter accounting for every user record.
 */
class DeaggregatorPropertiesTest {
  static final int DIFFERENTIAL_TRIES = 10_000;
  static final int ENTRY_POINT_TRIES = 2000;
  static final int SHARD_FILTER_TRIES = 300;

  /**
   * kpl-codec and protobuf-java agree on accept/reject and on the records, except on the documented differences,
   * where kpl-codec throws its one exception with the documented reason at the offset of the offending field.
   */
  @Property(tries = DIFFERENTIAL_TRIES)
  void agreesWithProtobufJavaExceptTheDocumentedDifferences(@ForAll("inputs") Aggregates.Generated input) {
    DecodeDifferential.Verdict verdict = DecodeDifferential.checkKplCodec(input.bytes());
    Statistics.label("outcome").collect(verdict.outcome());
    if (verdict.finding() != null) {
      Statistics.label("documented difference").collect(verdict.finding().difference());
    }
    Statistics.label("outcome").coverage(c -> {
      c.check(DecodeDifferential.Outcome.SAME_RECORDS).percentage(p -> p > 20);
      c.check(DecodeDifferential.Outcome.BOTH_CORRUPT).percentage(p -> p > 15);
      c.check(DecodeDifferential.Outcome.DOCUMENTED_DIFFERENCE).percentage(p -> p > 1);
      c.check(DecodeDifferential.Outcome.NOT_AGGREGATED).percentage(p -> p > 3);
    });
  }

  /** Every entry point and buffer kind gives the same answer; with a hash range, kept + dropped == total. */
  @Property(tries = ENTRY_POINT_TRIES)
  void everyEntryPointAgreesAndTheFilterAccountsForEveryRecord(@ForAll("inputs") Aggregates.Generated input,
      @ForAll("ranges") HashKeyRange range) {
    DeaggregatorChecks.Summary summary = DeaggregatorChecks.check(input.bytes(), range);
    Statistics.label("classification").collect(summary.classification());
    Statistics.label("filter").collect(range == null ? "none" : summary.dropped() > 0 ? "dropped some" : "kept all");
  }

  /**
   * User records of arbitrary shards in one aggregate (what an aggregator without a shard map makes): consumed by
   * each shard of a resharded stream with DROP_OUT_OF_RANGE_RECORDS, every user record is kept by exactly one shard
   * and reported dropped by all the others.
   */
  @Property(tries = SHARD_FILTER_TRIES)
  void eachUserRecordIsKeptByExactlyOneShard(@ForAll("mixedShardRecords") List<CompatRecord> records,
      @ForAll("layouts") ShardLayout layout) {
    AggregateEncoder encoder = new AggregateEncoder();
    for (CompatRecord r : records) {
      encoder.add(r.partitionKey(), r.explicitHashKey(), r.data());
    }
    byte[] aggregate = encoder.toByteArray();
    int kept = 0;
    for (ShardLayout.Shard shard : layout.shards()) {
      HashKeyRange range = HashKeyRange.of(shard.start().toString(), shard.end().toString());
      DeaggregatorChecks.Summary summary = DeaggregatorChecks.check(aggregate, range);
      if (summary.dropped() + (summary.userRecords() - summary.dropped()) != records.size()) {
        throw new AssertionError("kept + dropped != total on " + shard);
      }
      kept += summary.userRecords() - summary.dropped();
    }
    if (kept != records.size()) {
      throw new AssertionError(records.size() + " user records, kept " + kept + " times over " + layout.shards());
    }
    Statistics.label("shards").collect(layout.shards().size() < 4 ? "1-3" : "4+");
  }

  @Provide
  Arbitrary<Aggregates.Generated> inputs() {
    return Aggregates.any();
  }

  @Provide
  Arbitrary<HashKeyRange> ranges() {
    Arbitrary<HashKeyRange> arbitrary = Combinators.combine(HashKeys.hashKeys(), HashKeys.hashKeys())
        .as((a, b) -> HashKeyRange.of(a.min(b).toString(), a.max(b).toString()));
    Arbitrary<HashKeyRange> shard = ShardLayouts.layouts().flatMap(l -> Arbitraries.of(l.shards()))
        .map(s -> HashKeyRange.of(s.start().toString(), s.end().toString()));
    return Arbitraries.oneOf(arbitrary, shard, Arbitraries.just(HashKeyRange.all())).injectNull(0.2);
  }

  @Provide
  Arbitrary<List<CompatRecord>> mixedShardRecords() {
    return UserRecords.builder().records(1, 30).maxDataLength(64).build();
  }

  @Provide
  Arbitrary<ShardLayout> layouts() {
    return ShardLayouts.layouts();
  }

}
