package software.amazon.kinesis.producer;

/**
 * The base of the producer's checked exceptions, with the user record concerned where there is one. Not thread-safe
 * to modify (as any exception); safe to read once thrown.
 */
public class KinesisProducerException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The record concerned, or null. Not serialized: a {@code ByteBuffer} is not serializable. */
  private final transient UserRecord userRecord;

  /**
   * An exception caused by another, about a record.
   *
   * @param cause the cause
   * @param userRecord the record concerned, or null
   */
  public KinesisProducerException(Throwable cause, UserRecord userRecord) {
    super(cause);
    this.userRecord = userRecord;
  }

  /**
   * An exception about a record.
   *
   * @param message what happened
   * @param userRecord the record concerned, or null
   */
  public KinesisProducerException(String message, UserRecord userRecord) {
    super(message);
    this.userRecord = userRecord;
  }

  /**
   * An exception about no record in particular.
   *
   * @param message what happened
   */
  public KinesisProducerException(String message) {
    this(message, (UserRecord) null);
  }

  /**
   * An exception about a record, without a message.
   *
   * @param userRecord the record concerned, or null
   */
  public KinesisProducerException(UserRecord userRecord) {
    super();
    this.userRecord = userRecord;
  }

  /**
   * The record concerned.
   *
   * @return the record, or null if none was given (a {@link UserRecordFailedException} carries it only with {@code
   *     ReturnUserRecordOnFailure} set)
   */
  public UserRecord getUserRecord() {
    return userRecord;
  }
}
