package io.kplcodec;

import java.nio.ByteBuffer;

/**
 * Receives user records from {@link Deaggregator#visit} without a per-record object: the data is given as a range
 * of a read-only view of the input, valid only during the call unless the caller keeps the input unchanged.
 *
 * <p>For a record that was not aggregated (see {@link Classification}), {@code partitionKey} and
 * {@code explicitHashKey} are null and the range is the whole input.
 */
@FunctionalInterface
public interface UserRecordVisitor {
  /**
   * One user record.
   *
   * @param partitionKey its partition key (one string per distinct key of the aggregate), or null if not aggregated
   * @param explicitHashKey its explicit hash key, or null
   * @param source a read-only view of the input, shared by all user records of one call
   * @param dataOffset absolute index of the data in {@code source}
   * @param dataLength length of the data
   * @param subSequenceNumber position of the user record in its aggregate, from 0
   */
  void visit(String partitionKey, String explicitHashKey, ByteBuffer source, int dataOffset, int dataLength,
      long subSequenceNumber);
}
