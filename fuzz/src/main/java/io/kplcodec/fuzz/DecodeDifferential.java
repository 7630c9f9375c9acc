package io.kplcodec.fuzz;

import io.kplcodec.Classification;
import io.kplcodec.compat.AggregateDecoder;
import io.kplcodec.compat.CompatRecord;
import io.kplcodec.compat.Decoded;
import io.kplcodec.compat.DocumentedDifference;
import io.kplcodec.compat.Hex;
import io.kplcodec.compat.ProtobufJavaCodec;
import io.kplcodec.compat.ProtobufJavaReplay;
import java.util.List;
import java.util.Objects;

/**
 * The decoding conformance rule, checked for one input at a time: a decoder under test and protobuf-java (the
 * reference the KPL and KCL are built on) agree on every Kinesis record, except where protobuf-java's path crosses
 * a {@link DocumentedDifference}.
 *
 * <ul>
 *   <li>protobuf-java's codec says not aggregated (shorter than 21 bytes, no magic, MD5 mismatch): the decoder
 *       passes the same bytes through;
 *   <li>protobuf-java rejects it, or a table index lies outside its table: the decoder reports it corrupt (with no
 *       records, or with the whole input passed through, as KCL-style decoders do);
 *   <li>protobuf-java parses it and no documented difference lies on its path: the decoder returns the same user
 *       records with the same sub-sequence numbers;
 *   <li>a documented difference lies on the path: the {@link Policy} says what the decoder must do.
 * </ul>
 *
 * <p>Thread-safe if the decoder is.
 */
public final class DecodeDifferential {
  /** How a decoder treats the constructs protobuf-java reads leniently. */
  public enum Policy {
    /** Rejects them as corrupt (kpl-codec's documented behaviour). */
    STRICT,
    /** Reads them as protobuf-java does (a decoder built on protobuf-java). */
    AS_PROTOBUF_JAVA,
    /** Either of the above, per input. */
    EITHER
  }

  /** What one input turned out to be. */
  public enum Outcome {
    NOT_AGGREGATED, BOTH_CORRUPT, SAME_RECORDS, DOCUMENTED_DIFFERENCE
  }

  /**
   * The verdict on one input.
   *
   * @param outcome which case of the rule applied
   * @param finding the documented difference on protobuf-java's path, for {@link Outcome#DOCUMENTED_DIFFERENCE}
   * @param reference what protobuf-java made of it
   * @param actual what the decoder under test made of it
   */
  public record Verdict(Outcome outcome, DocumentedDifference.Finding finding, Decoded reference, Decoded actual) {}

  private static final ProtobufJavaCodec REFERENCE = new ProtobufJavaCodec();
  private static final DecodeDifferential KPL_CODEC =
      of(io.kplcodec.compat.KplCodec.strict(), Policy.STRICT);
  private static final DecodeDifferential KPL_CODEC_PASSING_CORRUPT_THROUGH =
      of(io.kplcodec.compat.KplCodec.passingCorruptThrough(), Policy.STRICT);
  private static final io.kplcodec.Deaggregator DEAGGREGATOR = io.kplcodec.Deaggregator.create();

  private final AggregateDecoder underTest;
  private final Policy policy;

  private DecodeDifferential(AggregateDecoder underTest, Policy policy) {
    this.underTest = underTest;
    this.policy = policy;
  }

  /** The rule for {@code underTest}, which treats protobuf-java's lenient readings as {@code policy} says. */
  public static DecodeDifferential of(AggregateDecoder underTest, Policy policy) {
    return new DecodeDifferential(Objects.requireNonNull(underTest, "underTest"), Objects.requireNonNull(policy));
  }

  /**
   * Decodes {@code record} with both and applies the rule.
   *
   * @throws AssertionError describing the disagreement, with the input in hex
   */
  public Verdict check(byte[] record) {
    Decoded reference = REFERENCE.decode(record);
    Decoded actual = underTest.decode(record);
    switch (reference.classification()) {
      case NOT_AGGREGATED:
        expectEqual(record, reference, actual, "protobuf-java passes it through");
        return new Verdict(Outcome.NOT_AGGREGATED, null, reference, actual);
      case CORRUPT:
        if (!isCorrupt(record, actual)) {
          throw fail(record, "protobuf-java rejects it (" + reference.detail() + ") but " + underTest.name()
              + " does not", reference, actual);
        }
        return new Verdict(Outcome.BOTH_CORRUPT, null, reference, actual);
      default:
        DocumentedDifference.Finding finding = ProtobufJavaReplay.firstDifference(ProtobufJavaCodec.messageOf(record));
        if (finding == null) {
          expectEqual(record, reference, actual, "protobuf-java accepts it");
          return new Verdict(Outcome.SAME_RECORDS, null, reference, actual);
        }
        boolean rejected = isCorrupt(record, actual);
        boolean lenient = reference.equals(actual);
        boolean ok = switch (policy) {
          case STRICT -> rejected;
          case AS_PROTOBUF_JAVA -> lenient;
          case EITHER -> rejected || lenient;
        };
        if (!ok) {
          throw fail(record, "protobuf-java reads " + finding.difference() + " at message offset "
              + finding.fieldOffset() + " leniently; with policy " + policy + " " + underTest.name()
              + (policy == Policy.STRICT ? " must reject it" : " must read it as protobuf-java does"), reference,
              actual);
        }
        return new Verdict(Outcome.DOCUMENTED_DIFFERENCE, finding, reference, actual);
    }
  }

  /**
   * The rule for kpl-codec itself, strict and passing corrupt aggregates through; where a documented difference
   * lies on protobuf-java's path, kpl-codec must throw its {@link io.kplcodec.CorruptAggregateException} with
   * exactly the documented reason at the offset of the field holding the construct.
   *
   * @throws AssertionError on any disagreement
   */
  public static Verdict checkKplCodec(byte[] record) {
    Verdict verdict = KPL_CODEC.check(record);
    KPL_CODEC_PASSING_CORRUPT_THROUGH.check(record);
    if (verdict.outcome() == Outcome.DOCUMENTED_DIFFERENCE) {
      DocumentedDifference.Finding finding = verdict.finding();
      long offset = ProtobufJavaCodec.MAGIC.length + finding.fieldOffset();
      try {
        DEAGGREGATOR.deaggregate(record);
      } catch (io.kplcodec.CorruptAggregateException e) {
        if (e.reason() == finding.difference().kplCodecReason() && e.offset() == offset) {
          return verdict;
        }
        throw new AssertionError("protobuf-java reads " + finding.difference() + " leniently; kpl-codec must reject "
            + "it with " + finding.difference().kplCodecReason() + " at offset " + offset + " but says: "
            + e.getMessage() + "\n  input: " + Hex.of(record));
      }
      throw new AssertionError("kpl-codec accepted " + finding.difference() + "\n  input: " + Hex.of(record));
    }
    return verdict;
  }

  /** Corrupt with nothing emitted, or corrupt with the whole input passed through (as KCL does). */
  private static boolean isCorrupt(byte[] record, Decoded actual) {
    if (actual.classification() != Classification.CORRUPT) {
      return false;
    }
    List<CompatRecord> records = actual.records();
    return records.isEmpty()
        || (records.size() == 1 && records.get(0).equals(CompatRecord.passThrough(record))
            && actual.subSequenceNumbers().equals(List.of(0L)));
  }

  private void expectEqual(byte[] record, Decoded reference, Decoded actual, String why) {
    if (!reference.equals(actual)) {
      throw fail(record, why + ", but " + underTest.name() + " decodes it differently", reference, actual);
    }
  }

  private AssertionError fail(byte[] record, String what, Decoded reference, Decoded actual) {
    return new AssertionError(what + "\n  protobuf-java: " + reference + "\n  " + underTest.name() + ": " + actual
        + "\n  input (" + record.length + " bytes): " + Hex.of(record));
  }
}
