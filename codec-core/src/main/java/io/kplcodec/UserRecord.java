package io.kplcodec;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * One user record taken out of a Kinesis record by a {@link Deaggregator}.
 *
 * <p>Its data is a zero-copy read-only view of the input: it stays valid as long as the caller does not change or
 * reuse the input's bytes. Immutable and thread-safe (the data view's position is its own: each call to
 * {@link #data()} returns a fresh view).
 */
public final class UserRecord {
  private final String partitionKey;
  private final String explicitHashKey;
  private final ByteBuffer data;
  private final long subSequenceNumber;
  private final boolean aggregated;

  UserRecord(String partitionKey, String explicitHashKey, ByteBuffer data, long subSequenceNumber,
      boolean aggregated) {
    this.partitionKey = partitionKey;
    this.explicitHashKey = explicitHashKey;
    this.data = data;
    this.subSequenceNumber = subSequenceNumber;
    this.aggregated = aggregated;
  }

  /**
   * The user record's partition key; null for a record that was not aggregated, whose partition key is the one the
   * caller received with the Kinesis record.
   *
   * @return the partition key, or null when not aggregated
   */
  public String partitionKey() {
    return partitionKey;
  }

  /**
   * The user record's explicit hash key (decimal text as written by the producer), or null.
   *
   * @return the explicit hash key as the aggregate's table holds it; null when the user record has none or was not
   *     aggregated
   */
  public String explicitHashKey() {
    return explicitHashKey;
  }

  /**
   * A read-only view of the data, position 0 to limit.
   *
   * @return a new view on each call, so its position and limit are the caller's own; zero-copy over the input
   */
  public ByteBuffer data() {
    return data.duplicate();
  }

  /**
   * A copy of the data.
   *
   * @return a new array, independent of the input
   */
  public byte[] dataBytes() {
    byte[] copy = new byte[data.remaining()];
    data.duplicate().get(copy);
    return copy;
  }

  /**
   * Position of the user record in its aggregate, from 0 (KCL's sub-sequence number); 0 when not aggregated.
   *
   * @return the position among all user records of the aggregate, dropped ones included
   */
  public long subSequenceNumber() {
    return subSequenceNumber;
  }

  /**
   * Whether the user record came out of an aggregate (false: the Kinesis record was passed through as is).
   *
   * @return true for a user record of an aggregate
   */
  public boolean isAggregated() {
    return aggregated;
  }

  /** Equal when keys, data bytes, sub-sequence number and aggregated flag are equal. */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof UserRecord)) {
      return false;
    }
    UserRecord other = (UserRecord) o;
    return subSequenceNumber == other.subSequenceNumber
        && aggregated == other.aggregated
        && Objects.equals(partitionKey, other.partitionKey)
        && Objects.equals(explicitHashKey, other.explicitHashKey)
        && data.equals(other.data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(partitionKey, explicitHashKey, data, subSequenceNumber, aggregated);
  }

  @Override
  public String toString() {
    return "UserRecord{partitionKey=" + partitionKey
        + (explicitHashKey == null ? "" : ", explicitHashKey=" + explicitHashKey)
        + ", dataLength=" + data.remaining()
        + ", subSequenceNumber=" + subSequenceNumber
        + ", aggregated=" + aggregated + "}";
  }
}
