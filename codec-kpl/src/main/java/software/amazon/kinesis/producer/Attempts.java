package software.amazon.kinesis.producer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/** A failed record's attempts, from kpl-codec's exception: every attempt's error, then why it failed for good. */
final class Attempts {
  /** kpl-codec describes a refused PutRecords entry as "ErrorCode: message". */
  private static final Pattern ENTRY_ERROR = Pattern.compile("([A-Za-z][A-Za-z0-9]*): (.*)", Pattern.DOTALL);

  private Attempts() {}

  /**
   * The attempts of a record that failed with {@code cause} after {@code sinceAdd} milliseconds: one per attempt
   * error kpl-codec kept, then, if the record expired or never got an attempt, one naming that ({@code Expired},
   * {@code BufferFull}, ...). The last one carries {@code sinceAdd} as its duration.
   */
  static List<Attempt> of(Throwable cause, int sinceAdd) {
    List<String[]> errors = new ArrayList<>();
    if (cause instanceof io.kplcodec.aws.KinesisProducerException failure) {
      for (Throwable error : failure.attemptErrors()) {
        errors.add(codeAndMessage(error));
      }
      switch (failure.reason()) {
        case RECORD_TIMEOUT -> errors.add(new String[] {"Expired",
            "Record has reached expiration (RecordTtl): " + failure.getMessage()});
        case BUFFER_FULL -> errors.add(new String[] {"BufferFull", failure.getMessage()});
        case QUEUE_TOO_LONG -> errors.add(new String[] {"QueueTooLong", failure.getMessage()});
        case INTERRUPTED -> errors.add(new String[] {"Interrupted", failure.getMessage()});
        default -> {
          if (errors.isEmpty()) {
            errors.add(codeAndMessage(failure.getCause() != null ? failure.getCause() : failure));
          }
        }
      }
    } else {
      errors.add(codeAndMessage(cause));
    }
    List<Attempt> attempts = new ArrayList<>();
    for (int i = 0; i < errors.size(); i++) {
      attempts.add(new Attempt(0, i == errors.size() - 1 ? sinceAdd : 0, errors.get(i)[1], errors.get(i)[0], false));
    }
    return attempts;
  }

  /** The service's error code and message, else kpl-codec's "Code: message", else the class's simple name. */
  static String[] codeAndMessage(Throwable error) {
    if (error instanceof AwsServiceException service && service.awsErrorDetails() != null
        && service.awsErrorDetails().errorCode() != null) {
      return new String[] {service.awsErrorDetails().errorCode(), service.awsErrorDetails().errorMessage()};
    }
    if (error instanceof io.kplcodec.aws.KinesisProducerException && error.getMessage() != null) {
      Matcher entry = ENTRY_ERROR.matcher(error.getMessage());
      if (entry.matches()) {
        return new String[] {entry.group(1), entry.group(2)};
      }
    }
    Throwable shown = error.getCause() != null && error.getMessage() == null ? error.getCause() : error;
    return new String[] {shown.getClass().getSimpleName(), String.valueOf(shown.getMessage())};
  }
}
