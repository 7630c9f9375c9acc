package io.kplcodec.aws;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.function.LongSupplier;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.SdkPlugin;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequest;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

/**
 * Assembles PutRecords calls from the {@link SendQueue}, makes them (at most so many at a time, and within a byte
 * budget for requests in flight), and reads each answer: an entry that landed on its shard completes ({@link
 * Outcomes}), one that landed elsewhere goes to {@link Reshards}, a retryable refusal or failed call to {@link
 * Retries}, anything else fails for good. Not thread-safe: the producer calls it under its lock.
 */
final class Sender {
  /**
   * The producer retries PutRecords itself: the SDK's own retries would store records again unseen (a 500 after
   * storing, then a success), so a future would say one attempt for a record the stream holds twice, and an attempt
   * whose outcome is unknown could hide behind a later clear refusal. One SDK attempt per producer attempt.
   */
  private static final SdkPlugin NO_SDK_RETRIES =
      config -> config.overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));

  private final KinesisAsyncClient client;
  private final String streamName;
  private final int maxEntriesPerRequest;
  private final long maxRequestSize;
  private final InFlightCalls inFlight;
  private final Duration requestTimeout;
  private final SendQueue sendQueue;
  private final ProducerLock lock;
  private final LongSupplier clock;
  private final Outcomes outcomes;
  private final Retries retries;
  private final Reshards reshards;
  private final ShardRateLimiter limiter;
  private final boolean failIfThrottled;
  /** This stream's calls in flight (identity). */
  private final Set<SendQueue.Batch> calls = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
  /** A look at the send queue when the rate limit lets a held-back record go; null if none is due. */
  private ScheduledFuture<?> rateWakeUp;

  long kinesisRecordsSent;
  long aggregatesSent;
  long putRecordsRequests;
  long failedRequests;
  long failedEntries;

  /**
   * @param inFlight the calls in flight over every stream, shared by the streams' senders
   * @param failIfThrottled fail records the service throttles instead of retrying them (the KPL's {@code
   *     FailIfThrottled})
   */
  Sender(KinesisAsyncClient client, String streamName, int maxEntriesPerRequest, long maxRequestSize,
      InFlightCalls inFlight, Duration requestTimeout, ShardRateLimiter limiter,
      boolean failIfThrottled, SendQueue sendQueue,
      Outcomes outcomes, Retries retries, Reshards reshards, ProducerLock lock, LongSupplier clock) {
    this.client = client;
    this.streamName = streamName;
    this.maxEntriesPerRequest = maxEntriesPerRequest;
    this.maxRequestSize = maxRequestSize;
    this.inFlight = inFlight;
    this.requestTimeout = requestTimeout;
    this.limiter = limiter;
    this.failIfThrottled = failIfThrottled;
    this.sendQueue = sendQueue;
    this.outcomes = outcomes;
    this.retries = retries;
    this.reshards = reshards;
    this.lock = lock;
    this.clock = clock;
  }

  /** Makes every call that may go now; if the rate limit holds records back, looks again when it lets one go. */
  void trySend() {
    while (!inFlight.full() && !sendQueue.isEmpty()) {
      SendQueue.Batch batch = sendQueue.next(maxEntriesPerRequest, maxRequestSize, inFlight.room(), limiter);
      if (batch == null) {
        break;
      }
      send(batch);
    }
    long wait = limiter.nanosUntilNextRefusedFits();
    if (wait >= 0 && rateWakeUp == null) {
      rateWakeUp = lock.later(wait, () -> rateWakeUp = null); // the step's end sends what may go then
    }
  }

  private void send(SendQueue.Batch batch) {
    List<PutRecordsRequestEntry> entries = new ArrayList<>(batch.entries().size());
    long now = clock.getAsLong();
    for (Outgoing outgoing : batch.entries()) {
      for (PendingRecord pending : outgoing.users) {
        pending.sending(now);
      }
      // The entry's own array, never changed: the SDK may read it without a copy (see Outgoing).
      entries.add(PutRecordsRequestEntry.builder()
          .partitionKey(outgoing.partitionKey())
          .explicitHashKey(outgoing.explicitHashKey())
          .data(SdkBytes.fromByteArrayUnsafe(outgoing.dataArray()))
          .build());
      kinesisRecordsSent++;
      if (outgoing.isAggregated()) {
        aggregatesSent++;
      }
    }
    PutRecordsRequest.Builder named = PutRecordsRequest.builder();
    PutRecordsRequest request =
        (Reshards.isArn(streamName) ? named.streamARN(streamName) : named.streamName(streamName))
        .records(entries)
        .overrideConfiguration(c -> c.apiCallTimeout(requestTimeout).addPlugin(NO_SDK_RETRIES))
        .build();
    inFlight.started(batch.size());
    calls.add(batch);
    long sentNanos = now;
    putRecordsRequests++;
    // Perf: the SDK marshals (base64, up to megabytes) on the calling thread: call it once the lock is released.
    lock.defer(() -> {
      CompletableFuture<PutRecordsResponse> response;
      try {
        response = client.putRecords(request);
      } catch (RuntimeException e) {
        response = CompletableFuture.failedFuture(e);
      }
      lock.whenComplete(response, (result, error) -> answered(batch, sentNanos, result, error));
    });
  }

  private void answered(SendQueue.Batch batch, long sentNanos, PutRecordsResponse response, Throwable error) {
    inFlight.answered(batch.size());
    calls.remove(batch);
    try {
      readAnswer(batch, sentNanos, response, error);
    } finally {
      // Only now: a retry holds its shards again first, so that no later record of them (nor of the shards that
      // wait for a gone one to drain) can go during the backoff.
      sendQueue.release(batch.shards());
    }
  }

  private void readAnswer(SendQueue.Batch batch, long sentNanos, PutRecordsResponse response, Throwable error) {
    StreamMetrics metrics = batch.entries().get(0).users[0].metrics; // every user record of a call: one stream
    if (error != null) {
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      metrics.putRecordsCall(batch, sentNanos, clock.getAsLong(), errorCode(cause));
      callFailed(batch.entries(), cause);
      return;
    }
    metrics.putRecordsCall(batch, sentNanos, clock.getAsLong(), null);
    List<Outgoing> retry = new ArrayList<>();
    List<PutRecordsResultEntry> results = response.records();
    for (int i = 0; i < batch.entries().size(); i++) {
      Outgoing outgoing = batch.entries().get(i);
      PutRecordsResultEntry entry = i < results.size() ? results.get(i) : null;
      if (entry == null) {
        outgoing.attemptFailed(new KinesisProducerException("PutRecords returned no result for entry " + i), true);
        retry.add(outgoing);
      } else if (entry.errorCode() != null) {
        failedEntries++;
        metrics.kinesisRecordFailed(outgoing.shardId(), entry.errorCode());
        KinesisProducerException cause = new KinesisProducerException(entry.errorCode() + ": " + entry.errorMessage());
        outgoing.attemptFailed(cause, false); // an entry the service refused was not stored
        if (failIfThrottled && RetryPolicy.isThrottling(entry.errorCode())) {
          outcomes.fail(outgoing, KinesisProducerException.Reason.THROTTLED,
              "Throttled, and failIfThrottled is set: " + cause, cause);
        } else if (RetryPolicy.isRetryable(entry.errorCode())) {
          retry.add(outgoing);
        } else {
          outcomes.fail(outgoing, KinesisProducerException.Reason.NOT_RETRYABLE,
              "The service refused the record for good: " + cause, cause);
        }
      } else {
        metrics.kinesisRecordPut(entry.shardId(), outgoing); // in the stream, on its shard or not
        if (entry.shardId().equals(outgoing.shardId())) {
          outcomes.succeed(outgoing, entry.shardId(), entry.sequenceNumber(), null);
        } else {
          reshards.misrouted(outgoing, entry.shardId(), entry.sequenceNumber());
        }
      }
    }
    if (!retry.isEmpty()) {
      retries.later(retry);
    }
  }

  /** Adds the user records of every call in flight: what those calls did is unknown until they are answered. */
  void collectInFlight(Set<PendingRecord> into) {
    for (SendQueue.Batch batch : calls) {
      for (Outgoing outgoing : batch.entries()) {
        into.addAll(java.util.Arrays.asList(outgoing.users));
      }
    }
  }

  /** The service's error code of a failed call, else the exception's class (a timeout, a reset). */
  private static String errorCode(Throwable cause) {
    if (cause instanceof software.amazon.awssdk.awscore.exception.AwsServiceException) {
      var details = ((software.amazon.awssdk.awscore.exception.AwsServiceException) cause).awsErrorDetails();
      if (details != null && details.errorCode() != null) {
        return details.errorCode();
      }
    }
    return cause.getClass().getSimpleName();
  }

  private void callFailed(List<Outgoing> entries, Throwable cause) {
    failedRequests++;
    boolean unknown = RetryPolicy.outcomeUnknown(cause);
    for (Outgoing outgoing : entries) {
      outgoing.attemptFailed(cause, unknown);
    }
    if (failIfThrottled && RetryPolicy.isThrottling(cause)) {
      for (Outgoing outgoing : entries) {
        outcomes.fail(outgoing, KinesisProducerException.Reason.THROTTLED,
            "PutRecords was throttled, and failIfThrottled is set: " + cause, cause);
      }
    } else if (RetryPolicy.isRetryable(cause)) {
      retries.later(entries);
    } else {
      for (Outgoing outgoing : entries) {
        outcomes.fail(outgoing, KinesisProducerException.Reason.NOT_RETRYABLE,
            "PutRecords failed and is not retryable: " + cause, cause);
      }
    }
  }
}
