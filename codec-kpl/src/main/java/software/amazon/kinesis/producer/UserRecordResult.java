package software.amazon.kinesis.producer;

import java.util.List;

/**
 * The outcome of one user record: its attempts, and where it landed if it was put. A future returned by {@code
 * addUserRecord} completes with one when the record is put; when it fails, the {@link UserRecordFailedException}
 * holds one ({@link UserRecordFailedException#getResult()}). Not modified after the future completes; safe to read
 * from any thread then.
 */
public class UserRecordResult {
  private final List<Attempt> attempts;
  private final String sequenceNumber;
  private final String shardId;
  private final boolean successful;

  /**
   * A result.
   *
   * @param attempts every attempt, oldest first
   * @param sequenceNumber the sequence number of the Kinesis record that carried it, or null if not put
   * @param shardId the shard it landed on, or null if not put
   * @param successful whether it was put
   */
  public UserRecordResult(List<Attempt> attempts, String sequenceNumber, String shardId, boolean successful) {
    this.attempts = attempts;
    this.sequenceNumber = sequenceNumber;
    this.shardId = shardId;
    this.successful = successful;
  }

  /**
   * Every attempt at putting the record, oldest first; the last one succeeded if the record was put.
   *
   * @return the attempts
   */
  public List<Attempt> getAttempts() {
    return attempts;
  }

  /**
   * The sequence number of the Kinesis record that carried this user record. Records aggregated together share it;
   * a consumer tells them apart by their sub-sequence number.
   *
   * @return the sequence number, or null if not put
   */
  public String getSequenceNumber() {
    return sequenceNumber;
  }

  /**
   * The shard the record landed on.
   *
   * @return the shard id, or null if not put
   */
  public String getShardId() {
    return shardId;
  }

  /**
   * Whether the record was put.
   *
   * @return true if it is in the stream
   */
  public boolean isSuccessful() {
    return successful;
  }

  @Override
  public String toString() {
    return "UserRecordResult(successful=" + successful + ", shardId=" + shardId + ", sequenceNumber="
        + sequenceNumber + ", attempts=" + attempts + ")";
  }
}
