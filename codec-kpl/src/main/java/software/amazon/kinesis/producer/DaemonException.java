package software.amazon.kinesis.producer;

/**
 * In the KPL, a failure of its native daemon. kpl-codec has no daemon; it throws this where the KPL would after its
 * daemon is gone: {@code addUserRecord} after {@link KinesisProducer#destroy()}, and the records still outstanding
 * when {@code destroy()} is called fail with it.
 */
public class DaemonException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception.
   *
   * @param message what happened
   */
  public DaemonException(String message) {
    super(message);
  }
}
