package io.kplcodec;

/** What a Kinesis record turned out to be, decided as the real KCL consumer decides it. */
public enum Classification {
  /**
   * Not in the aggregated format: shorter than magic + MD5 + one byte, no magic, or an MD5 that does not match.
   * The record is itself the one user record, as KCL passes it through.
   */
  NOT_AGGREGATED,
  /** Magic and MD5 right and a valid {@code AggregatedRecord} inside. */
  AGGREGATED,
  /**
   * Magic and MD5 right but the content is not a valid {@code AggregatedRecord} (see
   * {@link CorruptAggregateException.Reason}).
   */
  CORRUPT
}
