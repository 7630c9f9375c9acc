package io.kplcodec.compat;

import java.util.List;

/**
 * An {@link AggregateDecoder} that also encodes: user records in, one aggregated record ({@code magic |
 * AggregatedRecord | MD5}) out.
 *
 * <p>{@link #encode} always writes the aggregated format, even for zero or one user record (deciding to send a
 * lone record raw is the aggregator's business, not the codec's), applies no Kinesis size limits, and validates no
 * key contents: it exercises the wire layer only. Both key tables are deduplicated by {@link String#equals} in
 * first-use order, which is what the KPL does and what makes the output unique.
 *
 * <p>Implementations in this module are thread-safe.
 */
public interface AggregationCodec extends AggregateDecoder {
  /**
   * The aggregated record for these user records, in order.
   *
   * @param records user records; each needs a partition key (its explicit hash key may be null)
   * @throws NullPointerException if a record has no partition key
   */
  byte[] encode(List<CompatRecord> records);
}
