package io.kplcodec.cli;

import io.kplcodec.Classification;
import io.kplcodec.CorruptAggregateException;
import io.kplcodec.Deaggregator;
import io.kplcodec.UserRecord;
import java.util.List;

/**
 * What one Kinesis record is, as a debugging tool must say it. kpl-codec's {@link Deaggregator} (like KCL) passes a
 * record with the KPL magic whose MD5 fails through as a plain record; here that is {@link Status#MD5_MISMATCH},
 * counted apart: it is nearly always a truncated or damaged aggregate. Immutable.
 */
final class RecordCheck {
  /** The KPL format's first four bytes. */
  private static final byte[] MAGIC = {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2};
  /** Magic, MD5 and at least one byte: shorter records are never aggregates (KCL's rule). */
  private static final int MIN_AGGREGATE_SIZE = 4 + 16 + 1;

  enum Status {
    AGGREGATED("aggregated"),
    NOT_AGGREGATED("not-aggregated"),
    /** The KPL magic, but the MD5 does not match or the record is too short to hold one. */
    MD5_MISMATCH("md5-mismatch"),
    /** The magic and MD5 are right, the inside is malformed. */
    CORRUPT("corrupt");

    private final String json;

    Status(String json) {
      this.json = json;
    }

    /** The value of {@code status} in JSON output. */
    String json() {
      return json;
    }
  }

  final Status status;
  /** The user records of an aggregate; empty otherwise. */
  final List<UserRecord> userRecords;
  /** Why a record is not an aggregate; null for the others. */
  final String note;
  /** What is malformed in a corrupt one; null for the others. */
  final CorruptAggregateException error;

  private RecordCheck(Status status, List<UserRecord> userRecords, String note, CorruptAggregateException error) {
    this.status = status;
    this.userRecords = userRecords;
    this.note = note;
    this.error = error;
  }

  static RecordCheck of(Deaggregator deaggregator, byte[] data) {
    Classification classification = deaggregator.classify(data);
    switch (classification) {
      case AGGREGATED:
        return new RecordCheck(Status.AGGREGATED, deaggregator.deaggregate(data), null, null);
      case NOT_AGGREGATED:
        if (!hasMagic(data)) {
          return new RecordCheck(Status.NOT_AGGREGATED, List.of(), "no KPL magic", null);
        }
        return new RecordCheck(Status.MD5_MISMATCH, List.of(), data.length < MIN_AGGREGATE_SIZE
            ? "looks aggregated (KPL magic), but too short for an aggregate: truncated?"
            : "looks aggregated (KPL magic), but the MD5 does not match: truncated or corrupt?", null);
      default:
        try {
          deaggregator.deaggregate(data);
        } catch (CorruptAggregateException e) {
          return new RecordCheck(Status.CORRUPT, List.of(), null, e);
        }
        throw new IllegalStateException("classified as corrupt but decoded: a kpl-codec bug");
    }
  }

  private static boolean hasMagic(byte[] data) {
    if (data.length < MAGIC.length) {
      return false;
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (data[i] != MAGIC[i]) {
        return false;
      }
    }
    return true;
  }

  /** A corrupt record's problem in one phrase: {@code corrupt aggregated record at offset 27: ... (REASON)}. */
  String corruption() {
    return "corrupt aggregated record at offset " + error.offset() + ": " + error.reason().description() + " ("
        + error.reason() + ")";
  }
}
