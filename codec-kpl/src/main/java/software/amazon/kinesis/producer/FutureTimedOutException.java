package software.amazon.kinesis.producer;

/**
 * A future returned by {@code addUserRecord} was given up on after {@code UserRecordTimeoutInMillis}: the record
 * itself carries on and may still be put (its {@code RecordTtl} still applies); only the future stopped waiting.
 */
public class FutureTimedOutException extends KinesisProducerException {
  private static final long serialVersionUID = 1L;

  /**
   * A timeout.
   *
   * @param message what timed out
   * @param userRecord the record, or null
   */
  public FutureTimedOutException(String message, UserRecord userRecord) {
    super(message, userRecord);
  }
}
