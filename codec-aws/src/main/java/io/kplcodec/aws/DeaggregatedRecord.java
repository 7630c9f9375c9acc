package io.kplcodec.aws;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Objects;

/**
 * One user record taken out of a Kinesis record received from Lambda or the SDK, with the metadata of the Kinesis
 * record that carried it, as KCL gives it.
 *
 * <p>The partition key is the user record's own (for a record that was not aggregated, the Kinesis record's);
 * sequence number, arrival time, encryption type and event source are the carrying Kinesis record's; the
 * sub-sequence number is the user record's position in its aggregate (0 for a record that was not aggregated).
 * (sequence number, sub-sequence number) identifies a user record in its shard.
 *
 * <p>Immutable and thread-safe. {@link #data()} is a read-only view of the received bytes, not a copy.
 */
public final class DeaggregatedRecord {
  private final String partitionKey;
  private final String explicitHashKey;
  private final ByteBuffer data;
  private final String sequenceNumber;
  private final long subSequenceNumber;
  private final boolean aggregated;
  private final Instant approximateArrivalTimestamp;
  private final String encryptionType;
  private final String eventSourceArn;

  DeaggregatedRecord(String partitionKey, String explicitHashKey, ByteBuffer data, String sequenceNumber,
      long subSequenceNumber, boolean aggregated, Instant approximateArrivalTimestamp, String encryptionType,
      String eventSourceArn) {
    this.partitionKey = partitionKey;
    this.explicitHashKey = explicitHashKey;
    // The deaggregator's visitor hands out ranges of the received buffer itself, which may be writable.
    this.data = data.isReadOnly() ? data : data.asReadOnlyBuffer();
    this.sequenceNumber = sequenceNumber;
    this.subSequenceNumber = subSequenceNumber;
    this.aggregated = aggregated;
    this.approximateArrivalTimestamp = approximateArrivalTimestamp;
    this.encryptionType = encryptionType;
    this.eventSourceArn = eventSourceArn;
  }

  /**
   * The user record's partition key (the Kinesis record's, if it was not aggregated).
   *
   * @return the partition key from the aggregate's table, or the carrying Kinesis record's own when not aggregated
   */
  public String partitionKey() {
    return partitionKey;
  }

  /**
   * The user record's explicit hash key, or null (Kinesis does not return the outer one).
   *
   * @return the explicit hash key as the aggregate's table holds it; null when the user record has none or was not
   *     aggregated
   */
  public String explicitHashKey() {
    return explicitHashKey;
  }

  /**
   * A read-only view of the user record's data (position 0).
   *
   * @return a new view on each call, so its position and limit are the caller's own; zero-copy over the received
   *     bytes
   */
  public ByteBuffer data() {
    return data.duplicate();
  }

  /**
   * A copy of the user record's data.
   *
   * @return a new array, independent of the received bytes
   */
  public byte[] dataBytes() {
    byte[] bytes = new byte[data.remaining()];
    data.duplicate().get(bytes);
    return bytes;
  }

  /**
   * The sequence number of the Kinesis record that carried this user record.
   *
   * @return the carrying record's sequence number, the same for every user record of an aggregate
   */
  public String sequenceNumber() {
    return sequenceNumber;
  }

  /**
   * The user record's position in its aggregate, from 0; 0 if it was not aggregated.
   *
   * @return the position among all user records of the aggregate, dropped ones included (KCL's sub-sequence number)
   */
  public long subSequenceNumber() {
    return subSequenceNumber;
  }

  /**
   * Whether the user record came out of an aggregate.
   *
   * @return true for a user record of an aggregate; false for a Kinesis record passed through as is (not an
   *     aggregate, or a corrupt one the deaggregator passes through)
   */
  public boolean isAggregated() {
    return aggregated;
  }

  /**
   * When the carrying Kinesis record arrived, or null if not given.
   *
   * @return the Kinesis record's approximate arrival timestamp, or null if the event or SDK record has none
   */
  public Instant approximateArrivalTimestamp() {
    return approximateArrivalTimestamp;
  }

  /**
   * The carrying Kinesis record's encryption type ("NONE", "KMS"), or null if not given.
   *
   * @return the encryption type as the event or SDK record gives it, or null
   */
  public String encryptionType() {
    return encryptionType;
  }

  /**
   * The stream ARN a Lambda event came from; null for records read with the SDK.
   *
   * @return the event record's source ARN, or null
   */
  public String eventSourceArn() {
    return eventSourceArn;
  }

  /** Equal when every field and the data bytes are equal. */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DeaggregatedRecord)) {
      return false;
    }
    DeaggregatedRecord other = (DeaggregatedRecord) o;
    return subSequenceNumber == other.subSequenceNumber
        && aggregated == other.aggregated
        && Objects.equals(partitionKey, other.partitionKey)
        && Objects.equals(explicitHashKey, other.explicitHashKey)
        && data.equals(other.data)
        && Objects.equals(sequenceNumber, other.sequenceNumber)
        && Objects.equals(approximateArrivalTimestamp, other.approximateArrivalTimestamp)
        && Objects.equals(encryptionType, other.encryptionType)
        && Objects.equals(eventSourceArn, other.eventSourceArn);
  }

  @Override
  public int hashCode() {
    return Objects.hash(sequenceNumber, subSequenceNumber, partitionKey);
  }

  @Override
  public String toString() {
    return "DeaggregatedRecord{partitionKey=" + partitionKey
        + (explicitHashKey == null ? "" : ", explicitHashKey=" + explicitHashKey)
        + ", dataLength=" + data.remaining()
        + ", sequenceNumber=" + sequenceNumber
        + ", subSequenceNumber=" + subSequenceNumber
        + ", aggregated=" + aggregated + "}";
  }
}
