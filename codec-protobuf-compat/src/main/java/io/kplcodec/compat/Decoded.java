package io.kplcodec.compat;

import io.kplcodec.Classification;
import java.util.List;
import java.util.Objects;

/**
 * What an {@link AggregateDecoder} made of one Kinesis record.
 *
 * <ul>
 *   <li>{@link Classification#AGGREGATED}: the user records in order; {@code subSequenceNumbers} are the numbers
 *       the implementation gave them (0..n-1 for a faithful one). Possibly empty.
 *   <li>{@link Classification#NOT_AGGREGATED}: one {@link CompatRecord#passThrough pass-through} record holding
 *       the whole input, sub-sequence number 0.
 *   <li>{@link Classification#CORRUPT}: magic and MD5 right, content invalid. Strict implementations return no
 *       records; one that passes corrupt aggregates through (as KCL does) returns the pass-through record.
 *       {@code detail} says why.
 * </ul>
 *
 * <p>Equality compares classification, records and sub-sequence numbers, not the detail. Immutable and
 * thread-safe.
 *
 * @param classification what the record is
 * @param records the user records
 * @param subSequenceNumbers one per record, in the same order
 * @param detail why a record is corrupt (implementation-specific text), or null
 */
public record Decoded(Classification classification, List<CompatRecord> records, List<Long> subSequenceNumbers,
    String detail) {
  public Decoded {
    Objects.requireNonNull(classification, "classification");
    records = List.copyOf(records);
    subSequenceNumbers = List.copyOf(subSequenceNumbers);
    if (records.size() != subSequenceNumbers.size()) {
      throw new IllegalArgumentException(
          records.size() + " records but " + subSequenceNumbers.size() + " sub-sequence numbers");
    }
  }

  /** User records numbered 0..n-1, as a faithful implementation numbers them. */
  public static Decoded aggregated(List<CompatRecord> records) {
    return new Decoded(Classification.AGGREGATED, records, sequence(records.size()), null);
  }

  /** The whole input passed through as one record. */
  public static Decoded notAggregated(byte[] record) {
    return new Decoded(Classification.NOT_AGGREGATED, List.of(CompatRecord.passThrough(record)), List.of(0L), null);
  }

  /** A corrupt aggregate, nothing emitted. */
  public static Decoded corrupt(String detail) {
    return new Decoded(Classification.CORRUPT, List.of(), List.of(), Objects.requireNonNull(detail, "detail"));
  }

  /** A corrupt aggregate passed through whole, as KCL passes it. */
  public static Decoded corruptPassedThrough(byte[] record, String detail) {
    return new Decoded(Classification.CORRUPT, List.of(CompatRecord.passThrough(record)), List.of(0L), detail);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Decoded other
        && classification == other.classification
        && records.equals(other.records)
        && subSequenceNumbers.equals(other.subSequenceNumbers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(classification, records, subSequenceNumbers);
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder("Decoded{").append(classification);
    if (detail != null) {
      out.append(" (").append(detail).append(')');
    }
    out.append(", ").append(records.size()).append(" records");
    int shown = Math.min(records.size(), 8);
    for (int i = 0; i < shown; i++) {
      out.append("\n  #").append(subSequenceNumbers.get(i)).append(' ').append(records.get(i));
    }
    if (shown < records.size()) {
      out.append("\n  ...");
    }
    return out.append('}').toString();
  }

  private static List<Long> sequence(int n) {
    Long[] numbers = new Long[n];
    for (int i = 0; i < n; i++) {
      numbers[i] = (long) i;
    }
    return List.of(numbers);
  }
}
