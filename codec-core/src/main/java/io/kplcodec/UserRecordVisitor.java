package io.kplcodec;

import java.nio.ByteBuffer;

/**
 * Receives user records from {@link Deaggregator#visit} without a per-record object: the data is given as a range
 * of the input buffer itself, valid only during the call unless the caller keeps the input unchanged.
 *
 * <p>{@code source} is the very buffer passed to {@code visit} (for a {@code byte[]}, a buffer wrapping it), not a
 * view: that is what makes the visitor form allocation-free. Read it with absolute gets (or a {@code duplicate()} or
 * {@code slice(index, length)} of it); its position and limit belong to the caller, and a visitor that moves them or
 * writes to it changes the caller's buffer. To hand data on to code you do not trust, give it
 * {@code source.slice(dataOffset, dataLength).asReadOnlyBuffer()}.
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
   * @param source the input buffer itself, the same for all user records of one call
   * @param dataOffset absolute index of the data in {@code source}
   * @param dataLength length of the data
   * @param subSequenceNumber position of the user record in its aggregate, from 0
   */
  void visit(String partitionKey, String explicitHashKey, ByteBuffer source, int dataOffset, int dataLength,
      long subSequenceNumber);
}
