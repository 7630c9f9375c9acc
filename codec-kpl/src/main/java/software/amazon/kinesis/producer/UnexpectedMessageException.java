package software.amazon.kinesis.producer;

/**
 * In the KPL, a message from its native daemon that the Java side did not expect. kpl-codec has no daemon and never
 * throws it; the type exists so that code catching it compiles unchanged.
 */
public class UnexpectedMessageException extends KinesisProducerException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception.
   *
   * @param message what happened
   */
  public UnexpectedMessageException(String message) {
    super(message);
  }

  /**
   * An exception about a record.
   *
   * @param message what happened
   * @param userRecord the record concerned, or null
   */
  public UnexpectedMessageException(String message, UserRecord userRecord) {
    super(message, userRecord);
  }
}
