package io.kplcodec.fuzz;

import io.kplcodec.AggregateEncoder;
import io.kplcodec.Deaggregator;
import io.kplcodec.Deaggregator.HashRangePolicy;
import io.kplcodec.HashKeyRange;
import io.kplcodec.UserRecord;
import io.kplcodec.compat.CompatRecord;
import io.kplcodec.compat.ProtobufJavaCodec;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.BeforeProperty;
import net.jqwik.api.statistics.Histogram;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * Bounded memory: decoding any input allocates at most a small constant times the input size plus a fixed slack,
 * measured with the thread's allocation counter around each entry point of the deaggregator. Nothing is ever sized
 * from a declared length, so a 100-byte input claiming 2 GiB costs nothing more.
 *
 * <p>The bounds, per entry point (after one warm-up decode, so class loading and the thread's scratch space are not
 * counted): the visitor, which allocates nothing per user record but one string per distinct key, at most
 * {@value #VISIT_FACTOR} x input + {@value #SLACK} bytes; the list, iterator and filtered forms, which create two
 * buffer views and a {@code UserRecord} per user record (at least 6 input bytes each), at most
 * {@value #LIST_FACTOR} x input + {@value #SLACK}; classify at most {@value #VISIT_FACTOR} x input + {@value #SLACK}.
 */
class DecodeMemoryTest {
  static final int TRIES = 300;
  static final long SLACK = 64 * 1024;
  static final int VISIT_FACTOR = 16;
  static final int LIST_FACTOR = 64;

  private static final Deaggregator STRICT = Deaggregator.create();
  private static final Deaggregator PASS_THROUGH =
      Deaggregator.builder().passCorruptAggregatesThrough(true).build();
  private static final Deaggregator FILTERING = Deaggregator.builder()
      .hashRange(HashKeyRange.of("0", "170141183460469231731687303715884105727"))
      .hashRangePolicy(HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS).passCorruptAggregatesThrough(true).build();

  @BeforeProperty
  void warmUp() {
    if (!AllocationMeter.isSupported()) {
      throw new IllegalStateException("This JVM cannot measure per-thread allocation");
    }
    // Class loading, lambda linking and the thread's scratch space are paid once, here, not by the first input.
    AggregateEncoder encoder = new AggregateEncoder();
    encoder.add("warm-up", "1", new byte[10]);
    encoder.add("other", null, new byte[10]);
    byte[] valid = encoder.toByteArray();
    byte[] corrupt = Aggregates.Framing.VALID.frame(new byte[] {0x0A, 0x01, 0x61, 0x1A, 0x02, 0x08, 0x05});
    encoder.reset();
    // An explicit hash key that is not one, for the filter's error path: written by protobuf-java, since kpl-codec's
    // encoder refuses it (issue 22).
    byte[] badHashKey = new ProtobufJavaCodec().encode(List.of(new CompatRecord("k", " ", new byte[1])));
    encoder.add("k", "340282366920938463463374607431768211455", new byte[1]); // dropped by the filter
    byte[] outOfRange = encoder.toByteArray();
    for (int i = 0; i < 3; i++) {
      for (byte[] record : new byte[][] {valid, corrupt, badHashKey, outOfRange, new byte[] {1, 2, 3}}) {
        for (Operation op : Operation.values()) {
          measure(op, record);
        }
      }
    }
  }

  /** Bytes the operation allocates on this thread for {@code record} (a direct copy is made beforehand). */
  private static long measure(Operation op, byte[] record) {
    ByteBuffer buffer = op == Operation.VISIT_DIRECT || op == Operation.ITERATOR_DIRECT ? direct(record) : null;
    return AllocationMeter.allocatedBy(() -> op.run(record, buffer));
  }

  enum Operation {
    VISIT_HEAP, VISIT_DIRECT, CLASSIFY, DEAGGREGATE_LIST, ITERATOR_DIRECT, PASS_THROUGH_LIST, FILTERED_LIST;

    void run(byte[] record, ByteBuffer direct) {
      switch (this) {
        case VISIT_HEAP -> PASS_THROUGH.visit(record, (pk, ehk, source, offset, length, sub) -> {});
        case VISIT_DIRECT -> PASS_THROUGH.visit(direct, (pk, ehk, source, offset, length, sub) -> {});
        case CLASSIFY -> STRICT.classify(record);
        case DEAGGREGATE_LIST -> PASS_THROUGH.deaggregate(record);
        case ITERATOR_DIRECT -> {
          Iterator<UserRecord> it = PASS_THROUGH.iterator(direct);
          while (it.hasNext()) {
            it.next();
          }
        }
        case PASS_THROUGH_LIST -> PASS_THROUGH.deaggregate(ByteBuffer.wrap(record).asReadOnlyBuffer());
        default -> FILTERING.deaggregate(record);
      }
    }

    int factor() {
      return this == VISIT_HEAP || this == VISIT_DIRECT || this == CLASSIFY ? VISIT_FACTOR : LIST_FACTOR;
    }
  }

  private static ByteBuffer direct(byte[] record) {
    return ByteBuffer.allocateDirect(record.length).put(record).flip();
  }

  private static final java.util.Map<Operation, Double> WORST =
      new java.util.concurrent.ConcurrentSkipListMap<>();

  @net.jqwik.api.lifecycle.AfterContainer
  static void report() {
    System.out.println("Worst bytes allocated per input byte, inputs over 4 KiB: " + WORST);
  }

  @Property(tries = TRIES)
  @StatisticsReport(label = "bytes allocated per input byte", format = Histogram.class)
  void decodingAllocatesAtMostAConstantTimesTheInput(@ForAll("inputs") byte[] record) {
    for (Operation op : Operation.values()) {
      long allocated = measure(op, record);
      long bound = (long) op.factor() * record.length + SLACK;
      if (allocated > bound) {
        throw new AssertionError(op + " allocated " + allocated + " bytes for a " + record.length
            + "-byte input, over " + op.factor() + " x input + " + SLACK + ": "
            + io.kplcodec.compat.Hex.abbreviate(record));
      }
      if (record.length > 4096) {
        double ratio = (double) allocated / record.length;
        Statistics.label("bytes allocated per input byte").collect((int) Math.ceil(ratio));
        WORST.merge(op, ratio, Math::max);
      }
    }
  }

  @Provide
  Arbitrary<byte[]> inputs() {
    return Arbitraries.frequencyOf(
        Tuple.of(2, Aggregates.any().map(Aggregates.Generated::bytes)),
        Tuple.of(1, manyTinyRecordsOneKey()),
        Tuple.of(1, manyDistinctKeys()),
        Tuple.of(1, manyExplicitHashKeys()),
        Tuple.of(1, bigData()),
        Tuple.of(2, hugeTablesFewRecords()),
        Tuple.of(1, Combinators.combine(manyDistinctKeys(), Aggregates.mutations().list().ofMinSize(1).ofMaxSize(3))
            .as((bytes, mutations) -> Aggregates.Framing.VALID.frame(Mutation.applyAll(
                java.util.Arrays.copyOfRange(bytes, 4, bytes.length - 16), mutations)))));
  }

  private static Arbitrary<byte[]> manyTinyRecordsOneKey() {
    return Arbitraries.integers().between(1, 40_000).map(n -> {
      AggregateEncoder e = new AggregateEncoder();
      byte[] empty = new byte[0];
      for (int i = 0; i < n; i++) {
        e.add("k", null, empty);
      }
      return e.toByteArray();
    });
  }

  private static Arbitrary<byte[]> manyDistinctKeys() {
    return Arbitraries.integers().between(1, 20_000).map(n -> {
      AggregateEncoder e = new AggregateEncoder();
      for (int i = 0; i < n; i++) {
        e.add(Integer.toString(i, 36) + (i % 7 == 0 ? "\u00E9\u4E2D" : ""), null, new byte[i % 3]);
      }
      return e.toByteArray();
    });
  }

  private static Arbitrary<byte[]> manyExplicitHashKeys() {
    return Arbitraries.integers().between(1, 10_000).map(n -> {
      AggregateEncoder e = new AggregateEncoder();
      for (int i = 0; i < n; i++) {
        e.add("k" + (i % 3), Long.toString(i * 7_919L * 1_000_003L), new byte[1]);
      }
      return e.toByteArray();
    });
  }

  /**
   * Tables full of entries no record uses (issue 15: empty ones bypassed the key cache and every entry was decoded):
   * empty, duplicate and long partition keys, explicit hash keys, then a few records on random indexes, in any order.
   */
  private static Arbitrary<byte[]> hugeTablesFewRecords() {
    return Combinators.combine(Arbitraries.integers().between(1, 200_000), Arbitraries.integers().between(0, 3),
            Arbitraries.integers().between(1, 3), Arbitraries.longs(), Arbitraries.of(true, false))
        .as((entries, kind, records, seed, recordsFirst) -> {
          java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
          java.io.ByteArrayOutputStream tables = new java.io.ByteArrayOutputStream();
          byte[] longKey = "k".repeat(256).getBytes(java.nio.charset.StandardCharsets.UTF_8);
          int partitionKeys = 0;
          for (int i = 0; i < entries; i++) {
            int what = kind == 3 ? random.nextInt(3) : kind; // 0 empty, 1 duplicate, 2 long; 3 a mix
            boolean explicitHashKey = random.nextInt(8) == 0;
            byte[] key = what == 0 ? new byte[0] : what == 1 ? new byte[] {'d'} : longKey;
            tables.write(explicitHashKey ? 0x12 : 0x0A);
            if (key.length < 128) {
              tables.write(key.length);
            } else {
              tables.write(0x80 | (key.length & 0x7F));
              tables.write(key.length >>> 7);
            }
            tables.writeBytes(key);
            if (!explicitHashKey) {
              partitionKeys++;
            }
          }
          if (partitionKeys == 0) {
            tables.writeBytes(new byte[] {0x0A, 0x00});
            partitionKeys = 1;
          }
          java.io.ByteArrayOutputStream recordFields = new java.io.ByteArrayOutputStream();
          for (int i = 0; i < records; i++) {
            int index = random.nextInt(Math.min(partitionKeys, 127));
            recordFields.writeBytes(new byte[] {0x1A, 0x05, 0x08, (byte) index, 0x1A, 0x01, 'x'});
          }
          java.io.ByteArrayOutputStream message = new java.io.ByteArrayOutputStream();
          message.writeBytes(recordsFirst ? recordFields.toByteArray() : tables.toByteArray());
          message.writeBytes(recordsFirst ? tables.toByteArray() : recordFields.toByteArray());
          return Aggregates.Framing.VALID.frame(message.toByteArray());
        });
  }

  private static Arbitrary<byte[]> bigData() {
    return Combinators.combine(Arbitraries.integers().between(1, 4), Arbitraries.integers().between(0, 1 << 20))
        .as((records, size) -> {
          AggregateEncoder e = new AggregateEncoder();
          for (int i = 0; i < records; i++) {
            e.add("big-" + i, null, new byte[size / records]);
          }
          return e.toByteArray();
        });
  }
}
