package software.amazon.kinesis.producer;

/**
 * A user record was not put: the future returned by {@code addUserRecord} fails with this exception, whose {@link
 * #getResult()} holds every attempt and its error. Its message is the last attempt's error code and message.
 *
 * <p>kpl-codec adds what the KPL cannot tell: whether the record may be in the stream anyway (an attempt whose
 * outcome is unknown: a timeout, a reset, a 5xx): the cause is kpl-codec's {@code
 * io.kplcodec.aws.KinesisProducerException}, whose {@code mayHaveBeenStored()} says so exactly.
 */
public class UserRecordFailedException extends KinesisProducerException {
  private static final long serialVersionUID = 1L;

  /** Not serialized: its attempts are not serializable. */
  private final transient UserRecordResult result;

  /**
   * A failure, with the record (the producer passes it when {@code ReturnUserRecordOnFailure} is set).
   *
   * @param result the record's attempts
   * @param userRecord the record, or null
   */
  public UserRecordFailedException(UserRecordResult result, UserRecord userRecord) {
    super(messageOf(result), userRecord);
    this.result = result;
  }

  /**
   * A failure.
   *
   * @param result the record's attempts
   */
  public UserRecordFailedException(UserRecordResult result) {
    this(result, null);
  }

  /**
   * The record's attempts, each with its error.
   *
   * @return the result; {@link UserRecordResult#isSuccessful()} is false
   */
  public UserRecordResult getResult() {
    return result;
  }

  private static String messageOf(UserRecordResult result) {
    if (result == null || result.getAttempts() == null || result.getAttempts().isEmpty()) {
      return null;
    }
    Attempt last = result.getAttempts().get(result.getAttempts().size() - 1);
    return last.getErrorCode() + ": " + last.getErrorMessage();
  }
}
