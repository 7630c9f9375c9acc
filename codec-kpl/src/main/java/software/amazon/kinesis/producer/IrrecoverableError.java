package software.amazon.kinesis.producer;

/**
 * In the KPL, an error its native daemon cannot recover from. kpl-codec never throws it; the type exists so that
 * code catching it compiles unchanged.
 */
public class IrrecoverableError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * An error.
   *
   * @param message what happened
   */
  public IrrecoverableError(String message) {
    super(message);
  }

  /**
   * An error.
   *
   * @param cause the cause
   */
  public IrrecoverableError(Throwable cause) {
    super(cause);
  }

  /**
   * An error.
   *
   * @param message what happened
   * @param cause the cause
   */
  public IrrecoverableError(String message, Throwable cause) {
    super(message, cause);
  }
}
