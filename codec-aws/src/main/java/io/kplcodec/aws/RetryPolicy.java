package io.kplcodec.aws;

import java.net.ConnectException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Where a record is retried: which failures are retried, which may have stored the record all the same, which user
 * records of a failed entry have expired, and how long to wait before the others go again.
 */
final class RetryPolicy {
  /**
   * What to do with entries whose attempt failed with a retryable error.
   *
   * @param again entries whose user records all have time left: sent again as they are after {@code delayNanos},
   *     their shards held meanwhile so later records of those shards stay behind them
   * @param shards the shards of {@code again}, each once
   * @param delayNanos the backoff before {@code again} goes back to the send queue
   * @param expired user records past their record timeout: to fail
   * @param repack entries with some expired user records: the others ({@code live}, same index) are re-packed
   * @param live for each of {@code repack}, which of its user records still have time
   */
  record Plan(List<Outgoing> again, List<String> shards, long delayNanos, List<PendingRecord> expired,
      List<Outgoing> repack, List<boolean[]> live) {}

  private final long backoffBaseNanos;
  private final long backoffMaxNanos;

  RetryPolicy(long backoffBaseNanos, long backoffMaxNanos) {
    this.backoffBaseNanos = backoffBaseNanos;
    this.backoffMaxNanos = backoffMaxNanos;
  }

  /** Exponential backoff with jitter before attempt {@code attempts + 1}: in [b/2, b], b = base * 2^(attempts-1). */
  long backoffNanos(int attempts) {
    long backoff = Math.min(backoffMaxNanos, backoffBaseNanos << Math.min(20, Math.max(0, attempts - 1)));
    return backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
  }

  /** Sorts failed entries into those sent again after a backoff, expired user records, and entries to re-pack. */
  Plan plan(List<Outgoing> failed, long nowNanos) {
    List<Outgoing> again = new ArrayList<>();
    List<PendingRecord> expired = new ArrayList<>();
    List<Outgoing> repack = new ArrayList<>();
    List<boolean[]> live = new ArrayList<>();
    int attempts = 1;
    for (Outgoing outgoing : failed) {
      boolean anyExpired = false;
      for (PendingRecord pending : outgoing.users) {
        anyExpired |= pending.expired(nowNanos);
        attempts = Math.max(attempts, pending.attempts);
      }
      if (!anyExpired) {
        for (PendingRecord pending : outgoing.users) {
          pending.attempts++;
        }
        again.add(outgoing);
        continue;
      }
      boolean[] alive = new boolean[outgoing.users.length];
      for (int i = 0; i < alive.length; i++) {
        PendingRecord pending = outgoing.users[i];
        if (pending.expired(nowNanos)) {
          expired.add(pending);
        } else {
          alive[i] = true;
          pending.attempts++;
        }
      }
      repack.add(outgoing);
      live.add(alive);
    }
    List<String> shards = new ArrayList<>();
    for (Outgoing outgoing : again) {
      if (!shards.contains(outgoing.shardId())) {
        shards.add(outgoing.shardId());
      }
    }
    return new Plan(again, shards, again.isEmpty() ? 0 : backoffNanos(attempts), expired, repack, live);
  }

  long maxBackoffNanos() {
    return backoffMaxNanos;
  }

  /** A whole PutRecords call failed: network, throttling and 5xx are worth another attempt. */
  static boolean isRetryable(Throwable cause) {
    if (cause instanceof AwsServiceException) {
      AwsServiceException service = (AwsServiceException) cause;
      return service.isThrottlingException() || service.statusCode() >= 500
          || "LimitExceededException".equals(errorCode(service));
    }
    return cause instanceof SdkClientException;
  }

  /** A whole call the service refused for its rate: throttling (400) or LimitExceeded. */
  static boolean isThrottling(Throwable cause) {
    return cause instanceof AwsServiceException
        && (((AwsServiceException) cause).isThrottlingException()
            || "LimitExceededException".equals(errorCode((AwsServiceException) cause)));
  }

  /** An entry the service refused for its shard's rate. */
  static boolean isThrottling(String errorCode) {
    return "ProvisionedThroughputExceededException".equals(errorCode);
  }

  /** An entry the service refused inside a successful call. */
  static boolean isRetryable(String errorCode) {
    return "ProvisionedThroughputExceededException".equals(errorCode)
        || "InternalFailure".equals(errorCode)
        || "ServiceUnavailable".equals(errorCode)
        || "KMSThrottlingException".equals(errorCode);
  }

  /**
   * Whether a whole call that failed this way may have stored its entries all the same. Only answers that say the
   * request was refused before it was processed are definite: a 4xx (throttling included), or a connection that was
   * never made. A timeout, a reset, a 5xx (the service may fail after storing) or anything else is unknown.
   */
  static boolean outcomeUnknown(Throwable cause) {
    return outcomeUnknown(cause, 0);
  }

  /**
   * The SDK retries inside a call and attaches each earlier attempt's error as a suppressed exception ("Request
   * attempt N failure"): a throttled last attempt after a timed-out first one is unknown too.
   */
  private static boolean outcomeUnknown(Throwable cause, int depth) {
    if (cause == null || depth > 8) {
      return depth > 8;
    }
    if (!unknownAlone(cause)) {
      for (Throwable suppressed : cause.getSuppressed()) {
        if (outcomeUnknown(suppressed, depth + 1)) {
          return true;
        }
      }
      return cause.getCause() != null && cause.getCause() != cause && !(cause instanceof AwsServiceException)
          && outcomeUnknown(cause.getCause(), depth + 1);
    }
    return true;
  }

  private static boolean unknownAlone(Throwable cause) {
    if (cause instanceof AwsServiceException) {
      int status = ((AwsServiceException) cause).statusCode();
      return !(status >= 400 && status < 500); // a 5xx may come after storing; a 4xx, throttling included, never
    }
    if (cause instanceof ConnectException) {
      return false; // refused or unreachable: no byte of the request reached the service
    }
    if (cause instanceof java.util.concurrent.CompletionException
        || cause instanceof java.util.concurrent.ExecutionException) {
      return false; // a wrapper: its cause decides
    }
    if (cause instanceof SdkClientException && cause.getCause() != null && cause.getCause() != cause) {
      return false; // the SDK's wrapper of a network error: its cause decides
    }
    if (cause instanceof SdkClientException && cause.getMessage() != null
        && cause.getMessage().startsWith("Request attempt ")
        && cause.getMessage().contains("Unable to execute HTTP request: Connection refused")) {
      return false; // the SDK's note of an earlier attempt (message only, SDK 2.42) whose connection was refused
    }
    return true;
  }

  private static String errorCode(AwsServiceException service) {
    return service.awsErrorDetails() == null ? null : service.awsErrorDetails().errorCode();
  }
}
