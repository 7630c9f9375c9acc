package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;

/** Which failures may have stored a record all the same (the flag a caller branches on), and which are retried. */
class RetryPolicyTest {
  private static KinesisException service(int status, String code) {
    return (KinesisException) KinesisException.builder().statusCode(status)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code).build()).build();
  }

  @Test
  void refusalsBeforeProcessingAreDefinite() {
    assertFalse(RetryPolicy.outcomeUnknown(service(400, "ProvisionedThroughputExceededException")));
    assertFalse(RetryPolicy.outcomeUnknown(ProvisionedThroughputExceededException.builder().statusCode(400).build()));
    assertFalse(RetryPolicy.outcomeUnknown(service(400, "ValidationException")));
    assertFalse(RetryPolicy.outcomeUnknown(
        SdkClientException.create("Unable to execute HTTP request", new ConnectException("Connection refused"))));
    assertFalse(RetryPolicy.outcomeUnknown(new CompletionException(
        SdkClientException.create("connect", new ConnectException("Connection refused")))));
  }

  @Test
  void timeoutsResetsAnd5xxAreUnknown() {
    assertTrue(RetryPolicy.outcomeUnknown(service(500, "InternalFailure")), "500 after storing");
    assertTrue(RetryPolicy.outcomeUnknown(service(503, "ServiceUnavailable")));
    assertTrue(RetryPolicy.outcomeUnknown(ApiCallTimeoutException.create(6000)));
    assertTrue(RetryPolicy.outcomeUnknown(ApiCallAttemptTimeoutException.create(6000)));
    assertTrue(RetryPolicy.outcomeUnknown(
        SdkClientException.create("Unable to execute HTTP request", new IOException("Connection reset by peer"))));
    assertTrue(RetryPolicy.outcomeUnknown(new CompletionException(SdkClientException.create("no cause"))));
  }

  @Test
  void anEarlierSdkAttemptThatTimedOutMakesAThrottledCallUnknown() {
    KinesisException throttled = service(400, "ProvisionedThroughputExceededException");
    throttled.addSuppressed(SdkClientException.create("Request attempt 1 failure: reset",
        new IOException("Connection reset by peer")));
    assertTrue(RetryPolicy.outcomeUnknown(throttled));
    KinesisException twiceThrottled = service(400, "ProvisionedThroughputExceededException");
    twiceThrottled.addSuppressed(service(400, "ProvisionedThroughputExceededException"));
    assertFalse(RetryPolicy.outcomeUnknown(twiceThrottled));
  }

  @Test
  void theSdksNotesOfEarlierRefusedConnectionsAreDefinite() {
    // What SDK 2.42 throws after its own retries against a closed port (checked by ProducerFaultTest too).
    SdkClientException last = SdkClientException.create("Unable to execute HTTP request: Connection refused: "
        + "/127.0.0.1:1 (SDK Attempt Count: 2)", new ConnectException("Connection refused"));
    last.addSuppressed(SdkClientException.create(
        "Request attempt 1 failure: Unable to execute HTTP request: Connection refused: /127.0.0.1:1"));
    assertFalse(RetryPolicy.outcomeUnknown(new CompletionException(last)));
    last.addSuppressed(SdkClientException.create(
        "Request attempt 2 failure: Unable to execute HTTP request: Read timed out"));
    assertTrue(RetryPolicy.outcomeUnknown(new CompletionException(last)));
  }

  @Test
  void retryable() {
    assertTrue(RetryPolicy.isRetryable(service(500, "InternalFailure")));
    assertTrue(RetryPolicy.isRetryable(service(400, "LimitExceededException")));
    assertTrue(RetryPolicy.isRetryable(ProvisionedThroughputExceededException.builder().statusCode(400)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode("ProvisionedThroughputExceededException").build())
        .build()));
    assertTrue(RetryPolicy.isRetryable(ApiCallTimeoutException.create(6000)));
    assertFalse(RetryPolicy.isRetryable(service(400, "ValidationException")));
    assertTrue(RetryPolicy.isRetryable("ProvisionedThroughputExceededException"));
    assertFalse(RetryPolicy.isRetryable("AccessDeniedException"));
  }

  /** An entry of {@code users} user records for shard "a", each added at {@code addedNanos} with a 30 s timeout. */
  private static Outgoing entry(String hashKey, long... addedNanos) {
    io.kplcodec.Aggregator aggregator = io.kplcodec.Aggregator.builder().shardMap(io.kplcodec.ShardMap.builder()
        .add("a", "0", "170141183460469231731687303715884105727")
        .add("b", FakeKinesis.HALF, "340282366920938463463374607431768211455").build()).build();
    PendingRecord[] users = new PendingRecord[addedNanos.length];
    for (int i = 0; i < users.length; i++) {
      aggregator.add("k" + i, hashKey, new byte[10]);
      users[i] = new PendingRecord("k" + i, hashKey, 12, 212, addedNanos[i], 30 * SECOND);
    }
    java.util.List<io.kplcodec.KinesisRecord> records = aggregator.flush();
    assertEquals(1, records.size());
    return new Outgoing(records.get(0), users, 0);
  }

  private static final long SECOND = 1_000_000_000L;

  @Test
  void entriesWithTimeLeftGoAgainAfterABackoffExpiredUserRecordsFailTheOthersAreRepacked() {
    RetryPolicy policy = new RetryPolicy(100, 1_000);
    Outgoing fresh = entry("1", 10 * SECOND, 11 * SECOND);
    Outgoing otherShard = entry(FakeKinesis.HIGH_KEY, 12 * SECOND);
    Outgoing mixed = entry("2", 0, 20 * SECOND); // its first user record was added 30 s before now
    fresh.users[0].attempts = 3;
    RetryPolicy.Plan plan = policy.plan(java.util.List.of(fresh, otherShard, mixed), 30 * SECOND);
    assertEquals(java.util.List.of(fresh, otherShard), plan.again());
    assertEquals(java.util.List.of("a", "b"), plan.shards());
    assertTrue(plan.delayNanos() >= 200 && plan.delayNanos() <= 400, "3 attempts so far: " + plan.delayNanos());
    assertEquals(4, fresh.users[0].attempts);
    assertEquals(2, otherShard.users[0].attempts);
    assertEquals(java.util.List.of(mixed.users[0]), plan.expired());
    assertEquals(java.util.List.of(mixed), plan.repack());
    assertFalse(plan.live().get(0)[0]);
    assertTrue(plan.live().get(0)[1]);
    assertEquals(2, mixed.users[1].attempts, "the live one goes again");
  }

  @Test
  void backoffDoublesUpToTheMaxWithJitter() {
    RetryPolicy policy = new RetryPolicy(100, 1_000);
    for (int i = 0; i < 100; i++) {
      long first = policy.backoffNanos(1);
      assertTrue(first >= 50 && first <= 100, "attempt 1: " + first);
      long third = policy.backoffNanos(3);
      assertTrue(third >= 200 && third <= 400, "attempt 3: " + third);
      long late = policy.backoffNanos(40);
      assertTrue(late >= 500 && late <= 1_000, "capped: " + late);
    }
  }
}
