package io.kplcodec.aws;

import static io.kplcodec.aws.FakeKinesis.HALF;
import static io.kplcodec.aws.FakeKinesis.HIGH_KEY;
import static io.kplcodec.aws.FakeKinesis.MAX_KEY;
import static io.kplcodec.aws.FakeKinesis.SHARD_0;
import static io.kplcodec.aws.FakeKinesis.SHARD_1;
import static io.kplcodec.aws.FakeKinesis.shard;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.Deaggregator;
import io.kplcodec.ShardMap;
import io.kplcodec.UserRecord;
import io.kplcodec.aws.KinesisProducerException.Reason;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.services.kinesis.model.KinesisException;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResultEntry;

/**
 * {@link Sender} alone against {@link FakeKinesis}, with the real parts it hands answers to (Outcomes, Retries with a
 * 1 ms backoff, Reshards) and a real SendQueue, ShardAggregation, Admission (fake clock) and ProducerLock, wired as
 * the producer wires them: what a call carries, how many go at once, and where each answer goes.
 */
@Timeout(20)
class SenderTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final String BELOW_HALF = new BigInteger(HALF).subtract(BigInteger.ONE).toString();
  private static final ShardMap TWO = ShardMap.builder().add(SHARD_0, "0", BELOW_HALF).add(SHARD_1, HALF, MAX_KEY)
      .build();

  private final ProducerParts parts = new ProducerParts("sender-test", TWO);
  private final AtomicLong now = parts.now;
  private final FakeKinesis kinesis = new FakeKinesis();
  private final Admission admission = parts.admission;
  private final ProducerLock lock = parts.lock;
  private final SendQueue sendQueue = parts.sendQueue;
  private final ShardRateLimiter unlimited = parts.unlimited;
  private final Outcomes outcomes = parts.outcomes;
  private final ShardAggregation aggregation = parts.aggregation;
  private final Retries retries = new Retries(new RetryPolicy(TimeUnit.MILLISECONDS.toNanos(1),
      TimeUnit.MILLISECONDS.toNanos(1)), sendQueue, aggregation, outcomes, lock, now::get);
  private final Reshards reshards = new Reshards(kinesis, "fake",
      List.of(shard(SHARD_0, "0", BELOW_HALF), shard(SHARD_1, HALF, MAX_KEY)),
      KinesisProducer.MisroutePolicy.RESEND_WHOLE_AGGREGATE, aggregation, sendQueue, unlimited, outcomes, lock,
      now::get, SECOND);
  private Sender sender;

  @AfterEach
  void shutdown() {
    parts.close();
  }

  /** A sender with these limits, sending after every step as the producer's does; 4 s request timeout. */
  private Sender sender(int maxEntries, int maxInFlightRequests, long maxInFlightBytes) {
    return sender(maxEntries, maxInFlightRequests, maxInFlightBytes, false);
  }

  private Sender sender(int maxEntries, int maxInFlightRequests, long maxInFlightBytes, boolean failIfThrottled) {
    sender = new Sender(kinesis, "fake", maxEntries, 1 << 20, new InFlightCalls(maxInFlightRequests, maxInFlightBytes),
        Duration.ofSeconds(4), unlimited, failIfThrottled, sendQueue, outcomes, retries, reshards, lock, now::get);
    lock.afterEachStep(sender::trySend);
    return sender;
  }

  /** Accepts a user record whose data is its partition key padded to {@code size} bytes. */
  private PendingRecord add(String key, String hashKey, int size) {
    PendingRecord pending = new PendingRecord(key, hashKey, size + key.length(), size + key.length() + 200,
        now.get(), 30 * SECOND);
    admission.force(pending.cost, pending.bytes);
    lock.run(() -> {
      aggregation.add(pending, ByteBuffer.wrap(data(key, size)));
      outcomes.accepted(pending);
    });
    return pending;
  }

  private static byte[] data(String key, int size) {
    return (key + ".".repeat(size)).substring(0, size).getBytes(StandardCharsets.US_ASCII);
  }

  /** Completes the open aggregates: they go to the send queue, and calls are made. */
  private void flush() {
    lock.run(aggregation::flush);
  }

  private static KinesisProducerException failure(PendingRecord pending) throws Exception {
    ExecutionException e = assertThrows(ExecutionException.class, () -> pending.future.get(5, TimeUnit.SECONDS));
    return assertInstanceOf(KinesisProducerException.class, e.getCause());
  }

  private static KinesisException serviceError(int status, String code) {
    return (KinesisException) KinesisException.builder().statusCode(status).message(code)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(code).build()).build();
  }

  /** A counter, read under the lock. */
  private <T> T counted(Supplier<T> read) {
    return lock.read(read);
  }

  @Test
  void aCallCarriesEachRecordsKeysAndDataAndLandingCompletesItsUserRecords() throws Exception {
    sender(500, 8, 1 << 20);
    PendingRecord a = add("a", "1", 30);
    PendingRecord b = add("b", "2", 30);
    PendingRecord c = add("c", HIGH_KEY, 30);
    flush();
    FakeKinesis.Call call = kinesis.nextCall();
    assertEquals("fake", call.request().streamName());
    assertEquals(Duration.ofSeconds(4), call.request().overrideConfiguration().orElseThrow().apiCallTimeout().get());
    List<PutRecordsRequestEntry> entries = call.request().records();
    assertEquals(2, entries.size());
    PutRecordsRequestEntry aggregate = entries.get(0);
    assertEquals("a", aggregate.partitionKey(), "the first user record's partition key");
    assertEquals("1", aggregate.explicitHashKey(), "and its hash key");
    List<UserRecord> users = Deaggregator.create().deaggregate(aggregate.data().asByteArray());
    assertEquals(List.of("a", "b"), users.stream().map(UserRecord::partitionKey).toList());
    assertEquals(new String(data("b", 30), StandardCharsets.US_ASCII),
        new String(users.get(1).dataBytes(), StandardCharsets.US_ASCII));
    PutRecordsRequestEntry raw = entries.get(1);
    assertEquals("c", raw.partitionKey());
    assertEquals(HIGH_KEY, raw.explicitHashKey());
    assertEquals(ByteBuffer.wrap(data("c", 30)), raw.data().asByteBuffer());

    call.succeed();
    PutResult first = a.future.get(5, TimeUnit.SECONDS);
    assertEquals(new PutResult(SHARD_0, first.sequenceNumber(), 0, true, 1), first);
    assertEquals(new PutResult(SHARD_0, first.sequenceNumber(), 1, true, 1), b.future.get(5, TimeUnit.SECONDS));
    assertEquals(SHARD_1, c.future.get(5, TimeUnit.SECONDS).shardId());
    assertFalse(c.future.join().aggregated());
    assertEquals(2L, counted(() -> sender.kinesisRecordsSent));
    assertEquals(1L, counted(() -> sender.aggregatesSent));
    assertEquals(1L, counted(() -> sender.putRecordsRequests));
    assertEquals(3L, counted(() -> outcomes.put));
    assertEquals(0, admission.usedCost());
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2})
  void atMostMaxInFlightRequestsCallsAtOnce(int maxInFlightRequests) throws Exception {
    sender(1, maxInFlightRequests, 1 << 20); // one entry per call: a call per shard
    PendingRecord low = add("low", "1", 10);
    PendingRecord high = add("high", HIGH_KEY, 10);
    flush();
    FakeKinesis.Call first = kinesis.nextCall();
    FakeKinesis.Call second = kinesis.pollCall(100);
    if (maxInFlightRequests == 1) {
      assertNull(second, "the second call waits for the first");
      first.succeed();
      second = kinesis.nextCall();
    } else {
      assertNotNull(second, "both calls at once");
    }
    second.succeed();
    if (maxInFlightRequests > 1) {
      first.succeed();
    }
    low.future.get(5, TimeUnit.SECONDS);
    high.future.get(5, TimeUnit.SECONDS);
  }

  @Test
  void callsInFlightStayWithinTheByteBudgetButTheFirstAlwaysGoes() throws Exception {
    sender(1, 8, 1_500);
    add("low", "1", 2_000); // over the budget alone
    add("high", HIGH_KEY, 1_000);
    flush();
    FakeKinesis.Call big = kinesis.nextCall();
    assertEquals(2_003, big.bytes());
    assertNull(kinesis.pollCall(100), "no room left in flight");
    big.succeed();
    kinesis.nextCall().succeed();

    add("low", "1", 400);
    add("high", HIGH_KEY, 1_000); // 403 + 1,004 bytes fit the budget together
    flush();
    FakeKinesis.Call small = kinesis.nextCall();
    FakeKinesis.Call next = kinesis.nextCall();
    assertEquals(403 + 1_004, small.bytes() + next.bytes());
    small.succeed();
    next.succeed();
  }

  @Test
  void aRetryableErrorCodeIsSentAgainAndWasNotStored() throws Exception {
    sender(500, 8, 1 << 20);
    PendingRecord pending = add("k", "1", 10);
    flush();
    FakeKinesis.Call refused = kinesis.nextCall();
    refused.refuseEvery("ProvisionedThroughputExceededException");
    FakeKinesis.Call again = kinesis.nextCall();
    assertEquals(refused.request().records(), again.request().records(), "the same record, as it was");
    again.refuseEvery("KMSDisabledException");
    KinesisProducerException e = failure(pending);
    assertEquals(Reason.NOT_RETRYABLE, e.reason());
    assertFalse(e.mayHaveBeenStored(), "refused entries were not stored");
    assertEquals(2, e.attemptErrors().size());
    assertTrue(e.attemptErrors().get(0).getMessage().startsWith("ProvisionedThroughputExceededException"));
    assertNull(kinesis.pollCall(50), "not retried");
    assertEquals(2L, counted(() -> sender.failedEntries));
    assertEquals(1L, counted(() -> retries.retriedEntries));
    assertEquals(0, admission.usedCost());
  }

  @Test
  void anEntryWithoutAResultIsSentAgainAsMayHaveBeenStored() throws Exception {
    sender(500, 8, 1 << 20);
    PendingRecord answered = add("a", "1", 10);
    PendingRecord missing = add("b", HIGH_KEY, 10);
    flush();
    FakeKinesis.Call call = kinesis.nextCall();
    assertEquals(2, call.request().records().size());
    call.response().complete(PutRecordsResponse.builder().failedRecordCount(0).records(
        PutRecordsResultEntry.builder().shardId(SHARD_0).sequenceNumber("5").build()).build());
    assertEquals(new PutResult(SHARD_0, "5", 0, false, 1), answered.future.get(5, TimeUnit.SECONDS));
    kinesis.nextCall().refuseEvery("AccessDeniedException");
    KinesisProducerException e = failure(missing);
    assertTrue(e.mayHaveBeenStored(), "an entry without a result may have been stored");
    assertTrue(e.attemptErrors().get(0).getMessage().contains("no result for entry 1"), e.getMessage());
  }

  @Test
  void aCallThatFailedAfterItWasSentIsRetriedAndMayHaveStoredItsRecords() throws Exception {
    sender(500, 8, 1 << 20);
    PendingRecord pending = add("k", "1", 10);
    flush();
    kinesis.nextCall().fail(serviceError(500, "InternalFailure"));
    kinesis.nextCall().fail(new CompletionException(ApiCallTimeoutException.create(4000))); // a wrapper: unwrapped
    kinesis.nextCall().fail(serviceError(400, "ValidationException"));
    KinesisProducerException e = failure(pending);
    assertEquals(Reason.NOT_RETRYABLE, e.reason());
    assertTrue(e.mayHaveBeenStored(), "a 500 or a timeout may come after storing");
    assertEquals(3, e.attemptErrors().size());
    assertInstanceOf(ApiCallTimeoutException.class, e.attemptErrors().get(1));
    assertEquals(3L, counted(() -> sender.failedRequests));
    assertEquals(1L, counted(() -> outcomes.failedMayHaveBeenStored));
  }

  @Test
  void aCallRefusedBeforeProcessingIsRetriedIfThrottledAndWasNotStored() throws Exception {
    sender(500, 8, 1 << 20);
    PendingRecord pending = add("k", "1", 10);
    flush();
    kinesis.nextCall().fail(serviceError(400, "ProvisionedThroughputExceededException"));
    kinesis.nextCall().fail(serviceError(400, "ValidationException"));
    KinesisProducerException e = failure(pending);
    assertEquals(Reason.NOT_RETRYABLE, e.reason());
    assertFalse(e.mayHaveBeenStored(), e.getMessage());
    assertNull(kinesis.pollCall(50), "not retried");
  }

  @Test
  void withFailIfThrottledAThrottledRecordFailsAndOtherRefusalsAreStillRetried() throws Exception {
    sender(500, 8, 1 << 20, true);
    PendingRecord throttled = add("a", "1", 10);
    PendingRecord internal = add("b", HIGH_KEY, 10);
    flush();
    kinesis.nextCall().response().complete(PutRecordsResponse.builder().failedRecordCount(2).records(
        PutRecordsResultEntry.builder().errorCode("ProvisionedThroughputExceededException").errorMessage("s").build(),
        PutRecordsResultEntry.builder().errorCode("InternalFailure").errorMessage("oops").build()).build());
    KinesisProducerException e = failure(throttled);
    assertEquals(Reason.THROTTLED, e.reason());
    assertFalse(e.mayHaveBeenStored());
    kinesis.nextCall().succeed();
    assertEquals(2, internal.future.get(5, TimeUnit.SECONDS).attempts(), "retried");

    PendingRecord wholeCall = add("c", "1", 10);
    flush();
    kinesis.nextCall().fail(serviceError(400, "ProvisionedThroughputExceededException"));
    assertEquals(Reason.THROTTLED, failure(wholeCall).reason());
  }

  @Test
  void anEntryLandingOnAnotherShardGoesToReshards() throws Exception {
    sender(500, 8, 1 << 20);
    PendingRecord pending = add("k", "1", 10);
    flush();
    kinesis.nextCall().response().complete(PutRecordsResponse.builder().failedRecordCount(0).records(
        PutRecordsResultEntry.builder().shardId(SHARD_1).sequenceNumber("9").build()).build());
    long deadline = System.nanoTime() + 5 * SECOND;
    while (counted(() -> reshards.misroutedRecords) == 0) {
      assertTrue(System.nanoTime() < deadline, "not handed to Reshards");
      Thread.sleep(2);
    }
    assertFalse(pending.future.isDone(), "SHARD_1 does not own it: sent again");
    assertEquals(2, pending.attempts);
    flush();
    kinesis.nextCall().succeed();
    assertEquals(2, pending.future.get(5, TimeUnit.SECONDS).attempts());
  }
}
