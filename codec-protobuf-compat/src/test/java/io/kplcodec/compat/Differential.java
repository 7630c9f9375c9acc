package io.kplcodec.compat;

import static org.junit.jupiter.api.Assertions.fail;

import io.kplcodec.Classification;
import io.kplcodec.CorruptAggregateException;
import io.kplcodec.Deaggregator;
import io.kplcodec.UserRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The decoding rule between kpl-codec and protobuf-java, for any input:
 *
 * <ul>
 *   <li>protobuf-java's codec says not aggregated: kpl-codec passes the same bytes through;
 *   <li>protobuf-java rejects it (or an index is outside its table): kpl-codec reports it corrupt;
 *   <li>protobuf-java parses it: kpl-codec returns the same user records, unless protobuf-java's path crosses one
 *       of the documented lenient readings ({@link DocumentedDifference}, found by {@link ProtobufJavaReplay}), in
 *       which case kpl-codec reports it corrupt with that reason at that field.
 * </ul>
 *
 * <p>kpl-codec is also run over a direct buffer and a read-only heap buffer, both at an offset inside a larger
 * buffer, and must give the same answer (offsets in exceptions count from the record's first byte).
 *
 * <p>Counts the outcomes so tests can show (and assert) that a generator reaches every branch.
 */
final class Differential {
  enum Outcome {
    NOT_AGGREGATED, BOTH_CORRUPT, SAME_RECORDS, DOCUMENTED_DIFFERENCE
  }

  private static final ProtobufJavaCodec PROTOBUF = new ProtobufJavaCodec();
  private static final KplCodec KPL = KplCodec.strict();
  private static final Deaggregator DEAGGREGATOR = Deaggregator.create();

  final Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
  final Map<DocumentedDifference, Integer> differences = new EnumMap<>(DocumentedDifference.class);

  Outcome check(Object context, byte[] record) {
    Decoded reference = PROTOBUF.decode(record);
    Decoded actual = KPL.decode(record);
    assertSameOverEveryBufferKind(context, record);
    Outcome outcome;
    String failure = null;
    switch (reference.classification()) {
      case NOT_AGGREGATED:
        outcome = Outcome.NOT_AGGREGATED;
        failure = disagreement(context, record, reference, actual);
        break;
      case CORRUPT:
        outcome = Outcome.BOTH_CORRUPT;
        if (actual.classification() != Classification.CORRUPT || !actual.records().isEmpty()) {
          failure = context + ": protobuf-java rejects (" + reference.detail() + ") but kpl-codec returns " + actual
              + "\n  input: " + Hex.of(record);
        }
        break;
      default: {
        DocumentedDifference.Finding finding =
            ProtobufJavaReplay.firstDifference(ProtobufJavaCodec.messageOf(record));
        if (finding == null) {
          outcome = Outcome.SAME_RECORDS;
          failure = disagreement(context, record, reference, actual);
        } else {
          outcome = Outcome.DOCUMENTED_DIFFERENCE;
          failure = documentedDifferenceViolation(context, record, finding, reference);
          if (failure == null) {
            differences.merge(finding.difference(), 1, Integer::sum);
          }
        }
      }
    }
    if (failure != null) {
      fail(failure);
    }
    counts.merge(outcome, 1, Integer::sum);
    return outcome;
  }

  private static String disagreement(Object context, byte[] record, Decoded reference, Decoded actual) {
    if (reference.equals(actual)) {
      return null;
    }
    return context + ": kpl-codec and protobuf-java disagree\n  protobuf-java: " + reference + "\n  kpl-codec: "
        + actual + "\n  input: " + Hex.of(record);
  }

  private static String documentedDifferenceViolation(Object context, byte[] record,
      DocumentedDifference.Finding finding, Decoded reference) {
    try {
      DEAGGREGATOR.deaggregate(record);
    } catch (CorruptAggregateException e) {
      long expectedOffset = ProtobufJavaCodec.MAGIC.length + finding.fieldOffset();
      if (e.reason() != finding.difference().kplCodecReason() || e.offset() != expectedOffset) {
        return context + ": protobuf-java reads " + finding.difference() + " leniently; kpl-codec should reject it "
            + "with " + finding.difference().kplCodecReason() + " at offset " + expectedOffset + " but says: "
            + e.getMessage() + "\n  input: " + Hex.of(record);
      }
      return null;
    }
    return context + ": protobuf-java reads " + finding.difference() + " at message offset " + finding.fieldOffset()
        + " leniently and kpl-codec must reject it, but kpl-codec accepted it\n  protobuf-java: " + reference
        + "\n  input: " + Hex.of(record);
  }

  /** Heap array, direct buffer at an offset, read-only heap buffer at an offset: one answer. */
  private static void assertSameOverEveryBufferKind(Object context, byte[] record) {
    String heap = kplCodecAnswer(ByteBuffer.wrap(record));
    ByteBuffer direct = ByteBuffer.allocateDirect(record.length + 7);
    direct.put(new byte[] {(byte) 0xF3, (byte) 0x89, (byte) 0x9A}).put(record).put(new byte[4]);
    direct.limit(3 + record.length).position(3);
    String directAnswer = kplCodecAnswer(direct);
    byte[] padded = new byte[record.length + 9];
    System.arraycopy(record, 0, padded, 5, record.length);
    String readOnly = kplCodecAnswer(ByteBuffer.wrap(padded, 5, record.length).asReadOnlyBuffer());
    if (!heap.equals(directAnswer) || !heap.equals(readOnly)) {
      fail(context + ": kpl-codec's answer depends on the buffer kind\n  heap: " + heap + "\n  direct at offset 3: "
          + directAnswer + "\n  read-only heap at offset 5: " + readOnly + "\n  input: " + Hex.of(record));
    }
    if (direct.position() != 3 || direct.limit() != 3 + record.length) {
      fail(context + ": kpl-codec moved the caller's buffer");
    }
  }

  /** kpl-codec's answer as text: the records with data, or the exception's reason and offset. */
  private static String kplCodecAnswer(ByteBuffer buffer) {
    try {
      List<String> records = new ArrayList<>();
      for (UserRecord r : DEAGGREGATOR.deaggregate(buffer)) {
        records.add(new CompatRecord(r.partitionKey(), r.explicitHashKey(), r.dataBytes()) + "#"
            + r.subSequenceNumber() + (r.isAggregated() ? "" : " raw"));
      }
      return DEAGGREGATOR.classify(buffer) + " " + records;
    } catch (CorruptAggregateException e) {
      return e.reason() + " at " + e.offset();
    }
  }

  int count(Outcome outcome) {
    return counts.getOrDefault(outcome, 0);
  }

  @Override
  public String toString() {
    return counts + " " + differences;
  }
}
