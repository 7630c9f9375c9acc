package io.kplcodec.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.kplcodec.Classification;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.EncryptionType;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

/**
 * Conformance 3: the real consumer. KCL 3.5.1's {@code AggregatorUtil} deaggregates kpl-codec's output to the same
 * user records, and classifies the same inputs as not aggregated. On everything else KCL is held to {@link
 * KclModel} (which pins what the README says about KCL) and kpl-codec to the documented relation with it.
 */
class KclConformanceTest {
  /** Generated cases per run (see the README). */
  static final int GENERATED_AGGREGATES = 3_000;
  static final int NON_CANONICAL = 10_000;
  static final int MUTATED = 30_000;
  static final int NOT_AGGREGATED = 10_000;

  private static final KclCodec KCL = KclCodec.create();
  private static final KplCodec KPL = KplCodec.strict();
  private static final KplCodec KPL_PASSING_CORRUPT = KplCodec.passingCorruptThrough();

  /** kpl-codec's output, deaggregated by KCL: every field of every user record, and what KCL copies in. */
  @Test
  void kclDeaggregatesKplCodecOutput() {
    long userRecords = 0;
    for (int i = 0; i < GENERATED_AGGREGATES; i++) {
      Seeds.Case c = Seeds.of("kcl-encoding", i);
      Random random = c.random;
      List<CompatRecord> records = new RecordGenerator(random, false).records(1 + random.nextInt(
          random.nextInt(10) == 0 ? 500 : 40));
      byte[] aggregate = KPL.encode(records);
      List<KinesisClientRecord> output =
          KCL.deaggregate(KclCodec.kinesisClientRecord(aggregate, "outer-" + i, i % 2 == 0 ? null : "12345"));
      List<CompatRecord> expected = RecordGenerator.asWritten(records);
      assertEquals(expected.size(), output.size(), () -> c + ": KCL returned a different number of user records");
      for (int j = 0; j < output.size(); j++) {
        KinesisClientRecord r = output.get(j);
        CompatRecord e = expected.get(j);
        int index = j;
        assertEquals(e.partitionKey(), r.partitionKey(), () -> c + ": partition key of user record " + index);
        assertEquals(e.explicitHashKey(), r.explicitHashKey(), () -> c + ": explicit hash key of " + index);
        assertTrue(Arrays.equals(e.data(), KclCodec.bytes(r.data())), () -> c + ": data of user record " + index);
        assertEquals(j, r.subSequenceNumber(), () -> c + ": sub-sequence number of user record " + index);
        assertTrue(r.aggregated(), () -> c + ": aggregated flag of user record " + index);
        assertEquals(KclCodec.OUTER_SEQUENCE_NUMBER, r.sequenceNumber(), c::toString);
        assertEquals(KclCodec.OUTER_ARRIVAL, r.approximateArrivalTimestamp(), c::toString);
        assertEquals(EncryptionType.NONE, r.encryptionType(), c::toString);
      }
      assertEquals(KPL.decode(aggregate), KCL.decode(aggregate), c::toString);
      userRecords += records.size();
    }
    System.out.printf("KCL on kpl-codec output: %d aggregates, %d user records%n", GENERATED_AGGREGATES,
        userRecords);
  }

  /** Valid non-canonical encodings: KCL and kpl-codec return the same user records. */
  @Test
  void kclAndKplCodecAgreeOnNonCanonicalEncodings() {
    for (int i = 0; i < NON_CANONICAL; i++) {
      Seeds.Case c = Seeds.of("kcl-non-canonical", i);
      List<CompatRecord> records = new RecordGenerator(c.random, false).smallData().records(1 + c.random.nextInt(8));
      byte[] record = ProtobufJavaCodec.frame(NonCanonicalEncoder.valid(c.random).encode(records));
      Decoded kcl = KCL.decode(record);
      assertEquals(Decoded.aggregated(RecordGenerator.asWritten(records)), kcl, () -> c + ": " + Hex.of(record));
      assertEquals(kcl, KPL.decode(record), () -> c + ": " + Hex.of(record));
    }
  }

  /** Too short, no magic, MD5 mismatch: both pass the record through unchanged. */
  @Test
  void sameRecordsAreNotAggregated() {
    byte[] valid = KPL.encode(List.of(new CompatRecord("pk", null, new byte[] {1, 2, 3})));
    for (int i = 0; i < NOT_AGGREGATED; i++) {
      Seeds.Case c = Seeds.of("kcl-not-aggregated", i);
      Random random = c.random;
      byte[] record;
      switch (i % 5) {
        case 0 -> { // shorter than magic + MD5 + 1, with or without the magic
          record = new byte[random.nextInt(21)];
          random.nextBytes(record);
          if (random.nextBoolean()) {
            System.arraycopy(ProtobufJavaCodec.MAGIC, 0, record, 0, Math.min(4, record.length));
          }
        }
        case 1 -> { // no magic
          record = valid.clone();
          record[random.nextInt(4)] ^= (byte) (1 << random.nextInt(8));
        }
        case 2 -> { // MD5 mismatch: a bit of the digest
          record = valid.clone();
          record[record.length - 1 - random.nextInt(16)] ^= (byte) (1 << random.nextInt(8));
        }
        case 3 -> { // MD5 mismatch: a bit of the message
          record = valid.clone();
          record[4 + random.nextInt(record.length - 20)] ^= (byte) (1 << random.nextInt(8));
        }
        default -> { // anything
          record = new byte[random.nextInt(100)];
          random.nextBytes(record);
        }
      }
      Decoded expected = Decoded.notAggregated(record);
      assertEquals(expected, KCL.decode(record), () -> c + ": KCL on " + Hex.of(record));
      assertEquals(expected, KPL.decode(record), () -> c + ": kpl-codec on " + Hex.of(record));
      assertEquals(expected, new ProtobufJavaCodec().decode(record), () -> c + ": reference on " + Hex.of(record));
    }
  }

  /** Magic and the MD5 of an empty message, 20 bytes: KCL's length rule passes it through (KINESIS-FACTS). */
  @Test
  void magicAndDigestOfNothingIsNotAggregated() {
    byte[] record = KPL.encode(List.of());
    assertEquals(20, record.length);
    assertEquals(Hex.of(ProtobufJavaCodec.frame(new byte[0])), Hex.of(record));
    List<KinesisClientRecord> output = KCL.deaggregate(KclCodec.kinesisClientRecord(record, "pk", null));
    assertEquals(1, output.size());
    assertTrue(!output.get(0).aggregated());
    assertEquals(Decoded.notAggregated(record), KCL.decode(record));
    assertEquals(Decoded.notAggregated(record), KPL.decode(record));
  }

  /** A pass-through keeps the very record KCL was given, with its keys. */
  @Test
  void passThroughIsTheRecordItself() {
    KinesisClientRecord raw = KclCodec.kinesisClientRecord(new byte[] {1, 2, 3}, "pk", "42");
    List<KinesisClientRecord> output = KCL.deaggregate(raw);
    assertEquals(1, output.size());
    assertSame(raw, output.get(0));
    assertEquals(0, raw.data().position());
  }

  /**
   * Mutated and broken encodings: KCL does exactly what {@link KclModel} says, and kpl-codec (strict, and passing
   * corrupt aggregates through as KCL does) relates to it as the README's table says.
   */
  @Test
  void kclMatchesItsModelAndKplCodecTheDocumentedRelation() {
    Map<KclRelation, Integer> counts = new EnumMap<>(KclRelation.class);
    Differential differential = new Differential();
    for (int i = 0; i < MUTATED; i++) {
      Seeds.Case c = Seeds.of("kcl-mutated", i);
      Random random = c.random;
      List<CompatRecord> records = new RecordGenerator(random, random.nextInt(4) == 0).smallData()
          .records(1 + random.nextInt(5));
      byte[] message = new NonCanonicalEncoder(random, 3, 30).encode(records);
      if (random.nextBoolean()) {
        message = new Mutator(random).mutate(message);
      }
      byte[] record = ProtobufJavaCodec.frame(message);
      if (random.nextInt(20) == 0) { // the framing too: magic, digest, length
        switch (random.nextInt(3)) {
          case 0 -> record[random.nextInt(4)] ^= 0x10;
          case 1 -> record[record.length - 1 - random.nextInt(16)] ^= 0x01;
          default -> record = Arrays.copyOf(record, random.nextInt(21));
        }
      }
      differential.check(c, record); // kpl-codec against protobuf-java first
      counts.merge(checkKcl(c, record), 1, Integer::sum);
    }
    System.out.println("KCL on mutated input: " + MUTATED + " " + counts);
    for (KclRelation relation : KclRelation.values()) {
      assertTrue(counts.getOrDefault(relation, 0) > 0, () -> "never reached " + relation + ": " + counts);
    }
  }

  /** How KCL's answer relates to kpl-codec's, one per row of the README's table that KCL takes part in. */
  enum KclRelation {
    /** Both pass the record through (framing). */
    SAME_PASS_THROUGH,
    /** protobuf does not parse: KCL passes it through, kpl-codec reports it corrupt (or passes it, configured). */
    KCL_PASSES_CORRUPT_THROUGH,
    /** Same user records. */
    SAME_RECORDS,
    /** An index beyond int range that KCL's cast brings into its table: KCL uses the wrong key. */
    KCL_WRAPS_INDEX,
    /** A value protobuf-java reads leniently: kpl-codec rejects, KCL goes on with protobuf-java's reading. */
    KCL_READS_LENIENTLY,
    /** An explicit hash key outside 0..2^128-1 (as KCL parses it): KCL drops the aggregate, kpl-codec keeps it. */
    KCL_DROPS_AGGREGATE,
    /** A bad index or a non-numeric explicit hash key: KCL throws NoClassDefFoundError. */
    KCL_THROWS
  }

  private static KclRelation checkKcl(Seeds.Case c, byte[] record) {
    KclModel.Outcome predicted = KclModel.predict(record);
    Decoded kcl = null;
    Throwable thrown = null;
    try {
      kcl = KCL.decode(record);
    } catch (NoClassDefFoundError e) {
      thrown = e;
    }
    Decoded kpl = KPL.decode(record);
    Decoded kplPassing = KPL_PASSING_CORRUPT.decode(record);
    String where = c + "\n  input: " + Hex.of(record) + "\n  model: " + predicted + "\n  KCL: "
        + (thrown != null ? thrown : kcl) + "\n  kpl-codec: " + kpl;
    if (predicted instanceof KclModel.ErrorPath) {
      if (thrown == null || !thrown.getMessage().contains("javax/xml/bind")) {
        fail(where + "\n  KCL should have thrown NoClassDefFoundError for javax.xml.bind");
      }
      DocumentedDifference.Finding difference =
          ProtobufJavaReplay.firstDifference(ProtobufJavaCodec.messageOf(record));
      Decoded reference = new ProtobufJavaCodec().decode(record);
      // kpl-codec: corrupt for a bad index; a non-numeric explicit hash key is only text without a hash-range filter.
      if (reference.classification() == Classification.CORRUPT || difference != null) {
        assertEquals(Classification.CORRUPT, kpl.classification(), where);
      } else {
        assertEquals(reference, kpl, where);
      }
      return KclRelation.KCL_THROWS;
    }
    if (thrown != null) {
      throw new AssertionError(where + "\n  KCL threw where the model did not expect it", thrown);
    }
    if (predicted instanceof KclModel.PassThrough passThrough) {
      assertEquals(Decoded.notAggregated(record), kcl, where);
      if (!passThrough.parseFailed()) {
        assertEquals(kcl, kpl, where);
        return KclRelation.SAME_PASS_THROUGH;
      }
      assertEquals(Classification.CORRUPT, kpl.classification(), where);
      assertEquals(kcl.records(), kplPassing.records(), where); // the same bytes passed through
      assertEquals(Classification.CORRUPT, kplPassing.classification(), where);
      return KclRelation.KCL_PASSES_CORRUPT_THROUGH;
    }
    DocumentedDifference.Finding difference =
        ProtobufJavaReplay.firstDifference(ProtobufJavaCodec.messageOf(record));
    if (predicted instanceof KclModel.AggregateDropped) {
      assertEquals(new Decoded(Classification.AGGREGATED, List.of(), List.of(), null), kcl, where);
      if (difference == null && new ProtobufJavaCodec().decode(record).classification() == Classification.AGGREGATED) {
        assertTrue(kpl.records().size() > 0, where);
      }
      return KclRelation.KCL_DROPS_AGGREGATE;
    }
    KclModel.Records expected = (KclModel.Records) predicted;
    assertEquals(Decoded.aggregated(expected.records()), kcl, where);
    if (expected.indexWrapped()) {
      assertEquals(Classification.CORRUPT, kpl.classification(), where);
      return KclRelation.KCL_WRAPS_INDEX;
    }
    if (difference != null) {
      assertEquals(Classification.CORRUPT, kpl.classification(), where);
      return KclRelation.KCL_READS_LENIENTLY;
    }
    assertEquals(kcl, kpl, where);
    return KclRelation.SAME_RECORDS;
  }

  /** Helper for other tests: KCL's user records as comparable records. */
  static List<CompatRecord> records(List<KinesisClientRecord> output) {
    List<CompatRecord> out = new ArrayList<>();
    for (KinesisClientRecord r : output) {
      out.add(new CompatRecord(r.partitionKey(), r.explicitHashKey(), KclCodec.bytes(r.data())));
    }
    return out;
  }
}
