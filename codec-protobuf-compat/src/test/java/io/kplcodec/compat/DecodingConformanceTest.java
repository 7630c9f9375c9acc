package io.kplcodec.compat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Conformance 2: for every input protobuf-java parses, kpl-codec returns the same user records; for every input it
 * rejects, kpl-codec reports corruption; the remaining differences are the documented ones, asserted as such (see
 * {@link Differential}).
 */
class DecodingConformanceTest {
  /** Generated cases per run, per generator (see the README). */
  static final int VALID_NON_CANONICAL = 50_000;
  static final int LENIENT_FORMS = 30_000;
  static final int INVALID_STRUCTURE = 100_000;
  static final int MUTATED = 200_000;
  static final int RANDOM_BYTES = 50_000;

  private static final ProtobufJavaCodec PROTOBUF = new ProtobufJavaCodec();
  private static final KplCodec KPL = KplCodec.strict();

  /** Non-canonical but valid: both must return exactly the records that were encoded. */
  @Test
  void validNonCanonicalEncodingsDecodeToTheSameRecords() {
    Differential differential = new Differential();
    for (int i = 0; i < VALID_NON_CANONICAL; i++) {
      Seeds.Case c = Seeds.of("non-canonical", i);
      List<CompatRecord> records = smallRecords(c.random);
      byte[] message = NonCanonicalEncoder.valid(c.random).encode(records);
      byte[] record = ProtobufJavaCodec.frame(message);
      Decoded expected = message.length == 0
          ? Decoded.notAggregated(record)
          : Decoded.aggregated(RecordGenerator.asWritten(records));
      Decoded reference = PROTOBUF.decode(record);
      if (!expected.equals(reference)) {
        fail(c + ": the generator wrote an encoding protobuf-java reads differently\n  expected: " + expected
            + "\n  protobuf-java: " + reference + "\n  input: " + Hex.of(record));
      }
      Differential.Outcome outcome = differential.check(c, record);
      assertEquals(message.length == 0 ? Differential.Outcome.NOT_AGGREGATED : Differential.Outcome.SAME_RECORDS,
          outcome, c::toString);
    }
    System.out.println("non-canonical valid encodings: " + VALID_NON_CANONICAL + " " + differential);
  }

  /** Valid encodings with varints in forms protobuf-java reads leniently: kpl-codec rejects them, as documented. */
  @Test
  void lenientVarintFormsAreTheDocumentedDifferences() {
    Differential differential = run("lenient-forms", LENIENT_FORMS, 20, 0, false);
    assertTrue(differential.count(Differential.Outcome.DOCUMENTED_DIFFERENCE) > LENIENT_FORMS / 4, differential::toString);
    assertTrue(differential.differences.size() == DocumentedDifference.values().length, differential::toString);
  }

  /** Broken structure (missing required fields, bad indexes, lengths, groups, tags, nesting around the limit). */
  @Test
  void invalidStructureIsRejectedByBoth() {
    Differential differential = run("invalid-structure", INVALID_STRUCTURE, 3, 60, false);
    assertTrue(differential.count(Differential.Outcome.BOTH_CORRUPT) > INVALID_STRUCTURE / 4, differential::toString);
    assertTrue(differential.count(Differential.Outcome.SAME_RECORDS) > INVALID_STRUCTURE / 20, differential::toString);
  }

  /** Byte-level mutations of valid and invalid encodings, MD5 recomputed so the protobuf layer is exercised. */
  @Test
  void mutatedEncodingsAgree() {
    Differential differential = run("mutated", MUTATED, 3, 10, true);
    assertTrue(differential.count(Differential.Outcome.BOTH_CORRUPT) > MUTATED / 4, differential::toString);
    assertTrue(differential.count(Differential.Outcome.SAME_RECORDS) > MUTATED / 20, differential::toString);
  }

  /** Random bytes with valid magic and MD5, and random bytes as they come. */
  @Test
  void randomBytesAgree() {
    Differential differential = new Differential();
    for (int i = 0; i < RANDOM_BYTES; i++) {
      Seeds.Case c = Seeds.of("random-bytes", i);
      byte[] bytes = new byte[c.random.nextInt(64)];
      c.random.nextBytes(bytes);
      differential.check(c, i % 10 == 0 ? bytes : ProtobufJavaCodec.frame(bytes));
    }
    System.out.println("random bytes: " + RANDOM_BYTES + " " + differential);
  }

  private static Differential run(String name, int cases, int quirkPerMille, int invalidPerMille, boolean mutate) {
    Differential differential = new Differential();
    for (int i = 0; i < cases; i++) {
      Seeds.Case c = Seeds.of(name, i);
      Random random = c.random;
      byte[] message = new NonCanonicalEncoder(random, quirkPerMille, invalidPerMille).encode(smallRecords(random));
      if (mutate) {
        message = new Mutator(random).mutate(message);
      }
      differential.check(c, ProtobufJavaCodec.frame(message));
    }
    System.out.println(name + ": " + cases + " " + differential);
    return differential;
  }

  /** Up to five records with short data. */
  static List<CompatRecord> smallRecords(Random random) {
    return new RecordGenerator(random, true).smallData().records(random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(5));
  }
}
