package software.amazon.kinesis.producer;

/**
 * One attempt at putting a user record, as reported in a {@link UserRecordResult}: when it started, how long it took
 * and, if it failed, the error.
 *
 * <p>kpl-codec knows every failed attempt's error, but not the times of each attempt: see {@link #getDelay()} and
 * {@link #getDuration()} for what they hold here. Immutable and thread-safe.
 */
public class Attempt {
  private final int delay;
  private final int duration;
  private final String errorMessage;
  private final String errorCode;
  private final boolean success;

  /**
   * An attempt.
   *
   * @param delay milliseconds before the attempt started (see {@link #getDelay()})
   * @param duration milliseconds the attempt took (see {@link #getDuration()})
   * @param errorMessage the error's message, or null if the attempt succeeded
   * @param errorCode the error's code, or null if the attempt succeeded
   * @param success whether the attempt put the record
   */
  public Attempt(int delay, int duration, String errorMessage, String errorCode, boolean success) {
    this.delay = delay;
    this.duration = duration;
    this.errorMessage = errorMessage;
    this.errorCode = errorCode;
    this.success = success;
  }

  /**
   * The delay before this attempt, in milliseconds. In the KPL, the time from the previous attempt (or, for the
   * first, from the record's arrival) to this one. kpl-codec does not time attempts one by one, so this is 0 for
   * every attempt it reports.
   *
   * @return milliseconds, 0 or more
   */
  public int getDelay() {
    return delay;
  }

  /**
   * How long the attempt took, in milliseconds. kpl-codec reports the time from {@code addUserRecord} to the
   * record's outcome on the last attempt, and 0 on earlier ones.
   *
   * @return milliseconds, 0 or more
   */
  public int getDuration() {
    return duration;
  }

  /**
   * The error's message.
   *
   * @return the message, or null if the attempt succeeded
   */
  public String getErrorMessage() {
    return errorMessage;
  }

  /**
   * The error's code: the service's ({@code ProvisionedThroughputExceededException}, {@code InternalFailure}, ...),
   * the exception's simple class name for a call that failed without one (a timeout, a reset), or {@code Expired}
   * for a record whose {@code RecordTtl} ran out.
   *
   * @return the code, or null if the attempt succeeded
   */
  public String getErrorCode() {
    return errorCode;
  }

  /**
   * Whether this attempt put the record.
   *
   * @return true if it did
   */
  public boolean isSuccessful() {
    return success;
  }

  @Override
  public String toString() {
    return success ? "Attempt(success, delay=" + delay + ", duration=" + duration + ")"
        : "Attempt(" + errorCode + ": " + errorMessage + ", delay=" + delay + ", duration=" + duration + ")";
  }
}
