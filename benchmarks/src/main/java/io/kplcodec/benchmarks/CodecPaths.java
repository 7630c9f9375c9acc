package io.kplcodec.benchmarks;

import io.kplcodec.Classification;
import io.kplcodec.compat.AggregateDecoder;
import io.kplcodec.compat.AggregationCodec;
import io.kplcodec.compat.CompatRecord;
import io.kplcodec.compat.Decoded;
import java.util.Arrays;
import java.util.List;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Any implementation of codec-protobuf-compat's interface, yours included: {@link AggregationCodec#encode} per
 * aggregate over the user records cut as kpl-codec's aggregator cuts them (outside the measured time), and
 * {@link AggregateDecoder#decode} of the full aggregate.
 */
final class CodecPaths {
  private CodecPaths() {}

  static final class Aggregation implements AggregationPath {
    private final AggregationCodec codec;
    private final List<List<CompatRecord>> chunks;

    Aggregation(AggregationCodec codec, Workload workload) {
      if (workload.chunks.isEmpty()) {
        throw new IllegalArgumentException(codec.name() + " has no shard-aware aggregation: " + workload);
      }
      this.codec = codec;
      this.chunks = workload.chunks;
      for (int i = 0; i < chunks.size(); i++) {
        if (!Arrays.equals(codec.encode(chunks.get(i)), workload.aggregates[i])) {
          throw new IllegalStateException(codec.name() + " does not write the canonical bytes (as protobuf-java "
              + "and kpl-codec do) for aggregate " + i + " of " + workload);
        }
      }
    }

    @Override
    public long aggregate(Blackhole blackhole) {
      long bytes = 0;
      for (int i = 0; i < chunks.size(); i++) {
        byte[] record = codec.encode(chunks.get(i));
        blackhole.consume(record);
        bytes += record.length;
      }
      return bytes;
    }
  }

  static final class Deaggregation implements DeaggregationPath {
    private final AggregateDecoder decoder;
    private final byte[] aggregate;

    Deaggregation(AggregateDecoder decoder, Workload workload) {
      this.decoder = decoder;
      this.aggregate = workload.fullAggregate();
      Decoded decoded = decoder.decode(aggregate);
      if (decoded.classification() != Classification.AGGREGATED
          || decoded.records().size() != workload.fullAggregateUserRecords()) {
        throw new IllegalStateException(decoder.name() + " decoded " + workload + "'s aggregate as " + decoded);
      }
    }

    @Override
    public long deaggregate(Blackhole blackhole) {
      List<CompatRecord> records = decoder.decode(aggregate).records();
      long bytes = 0;
      for (int i = 0; i < records.size(); i++) {
        CompatRecord record = records.get(i);
        blackhole.consume(record.partitionKey());
        blackhole.consume(record.data());
        bytes += record.data().length;
      }
      return bytes;
    }
  }
}
