package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.RecordTooLargeException;
import io.kplcodec.aws.KinesisProducerException.Reason;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.services.kinesis.model.KinesisException;

/**
 * The producer's outcomes, expiry and backpressure against a mock client with a fake clock: each test answers the
 * producer's PutRecords calls itself.
 */
@Timeout(20)
class ProducerOutcomesTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private final AtomicLong now = new AtomicLong(5_000 * SECOND);
  private final FakeKinesis kinesis = new FakeKinesis();

  private KinesisProducer.Builder producer() {
    return KinesisProducer.builder(kinesis, "fake")
        .clock(now::get)
        .maxBufferedTime(Duration.ofMillis(1))
        .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(1))
        .recordTimeout(Duration.ofSeconds(30));
  }

  private static KinesisProducerException failure(CompletableFuture<PutResult> future) {
    CompletionException e = assertThrows(CompletionException.class, future::join);
    return assertInstanceOf(KinesisProducerException.class, e.getCause());
  }

  private static CompletableFuture<PutResult> add(KinesisProducer producer, String hashKey, int size) {
    return producer.add("k", hashKey, ByteBuffer.allocate(size));
  }

  @Test
  void anExpiredRecordWithAnUnknownAttemptMayHaveBeenStoredAndListsEveryError() throws Exception {
    KinesisProducer producer = producer().build();
    CompletableFuture<PutResult> future = add(producer, FakeKinesis.LOW_KEY, 10);
    kinesis.nextCall().fail(ApiCallTimeoutException.create(6000)); // may have stored it
    FakeKinesis.Call retry = kinesis.nextCall();
    now.addAndGet(31 * SECOND);
    retry.refuseEvery("ProvisionedThroughputExceededException");
    KinesisProducerException e = failure(future);
    assertEquals(Reason.RECORD_TIMEOUT, e.reason());
    assertTrue(e.mayHaveBeenStored(), e.getMessage());
    assertEquals(2, e.attemptErrors().size(), e.getMessage());
    assertInstanceOf(ApiCallTimeoutException.class, e.attemptErrors().get(0));
    assertTrue(e.getMessage().contains("waited 0 ms in the queue before its first send, then 2 attempt(s)"),
        e.getMessage());
    assertEquals(1, producer.counters().userRecordsFailedMayHaveBeenStored());
    producer.close();
  }

  @Test
  void eachCallIsOneSdkAttemptWithTheRequestTimeout() throws Exception {
    KinesisProducer producer = producer().requestTimeout(Duration.ofSeconds(4)).build();
    CompletableFuture<PutResult> future = add(producer, FakeKinesis.LOW_KEY, 10);
    FakeKinesis.Call call = kinesis.nextCall();
    var override = call.request().overrideConfiguration().orElseThrow();
    assertEquals(Duration.ofSeconds(4), override.apiCallTimeout().orElseThrow());
    assertEquals(1, override.plugins().size(), "the plugin that turns the SDK's own retries off");
    call.succeed();
    future.get(5, TimeUnit.SECONDS);
    producer.close();
  }

  @Test
  void anExpiredRecordEveryAttemptOfWhichWasRefusedWasNotStored() throws Exception {
    KinesisProducer producer = producer().build();
    CompletableFuture<PutResult> future = add(producer, FakeKinesis.LOW_KEY, 10);
    kinesis.nextCall().refuseEvery("ProvisionedThroughputExceededException");
    kinesis.nextCall().fail(KinesisException.builder().statusCode(400).message("throttled").awsErrorDetails(
        software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder()
            .errorCode("ProvisionedThroughputExceededException").build()).build());
    FakeKinesis.Call third = kinesis.nextCall();
    now.addAndGet(31 * SECOND);
    third.refuseEvery("InternalFailure");
    KinesisProducerException e = failure(future);
    assertFalse(e.mayHaveBeenStored(), e.getMessage());
    assertEquals(3, e.attemptErrors().size());
    assertEquals(0, producer.counters().userRecordsFailedMayHaveBeenStored());
    producer.close();
  }

  @Test
  void aRecordThatWaitedInTheQueuePastItsTimeoutSaysHowLong() throws Exception {
    KinesisProducer producer = producer().maxInFlightRequests(1).build();
    CompletableFuture<PutResult> first = add(producer, FakeKinesis.LOW_KEY, 10);
    FakeKinesis.Call call = kinesis.nextCall();
    CompletableFuture<PutResult> second = add(producer, FakeKinesis.LOW_KEY, 10); // waits: its shard is busy
    Thread.sleep(20); // let the timer complete its aggregate
    now.addAndGet(31 * SECOND);
    call.succeed();
    assertEquals(1, first.get(5, TimeUnit.SECONDS).attempts());
    kinesis.nextCall().fail(KinesisException.builder().statusCode(500).message("internal").build());
    KinesisProducerException e = failure(second);
    assertEquals(Reason.RECORD_TIMEOUT, e.reason());
    assertTrue(e.getMessage().contains("waited 31000 ms in the queue before its first send"), e.getMessage());
    assertTrue(e.mayHaveBeenStored(), "a 500 may come after storing");
    producer.close();
  }

  @Test
  void inAFailedAggregateTheExpiredUserRecordsFailAndTheOthersAreRepackedAndSentAgain() throws Exception {
    KinesisProducer producer = producer().maxBufferedTime(Duration.ofMillis(300)).build();
    CompletableFuture<PutResult> old = add(producer, FakeKinesis.LOW_KEY, 10);
    now.addAndGet(20 * SECOND);
    CompletableFuture<PutResult> young = add(producer, FakeKinesis.LOW_KEY, 10); // same aggregate
    FakeKinesis.Call call = kinesis.nextCall();
    assertEquals(1, call.request().records().size(), "one aggregate of two user records");
    now.addAndGet(11 * SECOND); // the first is 31 s old, the second 11 s
    call.fail(KinesisException.builder().statusCode(500).message("internal").build());
    KinesisProducerException e = failure(old);
    assertEquals(Reason.RECORD_TIMEOUT, e.reason());
    assertTrue(e.mayHaveBeenStored(), "a 500 may come after storing");
    kinesis.nextCall().succeed();
    assertEquals(2, young.get(5, TimeUnit.SECONDS).attempts());
    producer.close();
  }

  @Test
  void tryAddSaysWhyItRefusesAndBuffersNothing() throws Exception {
    KinesisProducer producer = producer().maxBufferedBytes(1_000).build();
    CompletableFuture<PutResult> first = add(producer, FakeKinesis.LOW_KEY, 600);
    FakeKinesis.Call call = kinesis.nextCall();
    CompletableFuture<PutResult> refused = producer.tryAdd("k", FakeKinesis.HIGH_KEY, ByteBuffer.allocate(600));
    KinesisProducerException e = failure(refused);
    assertEquals(Reason.BUFFER_FULL, e.reason());
    assertFalse(e.mayHaveBeenStored());
    assertEquals(1, producer.counters().userRecordsAdded());
    call.succeed();
    first.get(5, TimeUnit.SECONDS);
    CompletableFuture<PutResult> accepted = producer.tryAdd("k", FakeKinesis.HIGH_KEY, ByteBuffer.allocate(600));
    kinesis.nextCall().succeed();
    accepted.get(5, TimeUnit.SECONDS);
    producer.close();
  }

  @Test
  void addBlocksUpToTheMaxBlockTimeThenFailsSayingWhy() throws Exception {
    KinesisProducer producer = KinesisProducer.builder(kinesis, "fake").maxBufferedBytes(1_000)
        .maxBufferedTime(Duration.ofMillis(1)).maxBlockTime(Duration.ofMillis(300)).build();
    add(producer, FakeKinesis.LOW_KEY, 600);
    FakeKinesis.Call call = kinesis.nextCall();
    long start = System.nanoTime();
    KinesisProducerException e = failure(add(producer, FakeKinesis.HIGH_KEY, 600));
    long blocked = System.nanoTime() - start;
    assertEquals(Reason.BUFFER_FULL, e.reason());
    assertTrue(blocked >= TimeUnit.MILLISECONDS.toNanos(300), "blocked " + blocked + " ns");
    assertTrue(producer.counters().longestAddBlock().toMillis() >= 300, producer.counters().toString());
    call.succeed();
    producer.close();
  }

  @Test
  void aBlockedAddProceedsWhenRoomIsMade() throws Exception {
    KinesisProducer producer = producer().maxBufferedBytes(1_000).build();
    CompletableFuture<PutResult> first = add(producer, FakeKinesis.LOW_KEY, 600);
    FakeKinesis.Call call = kinesis.nextCall();
    CompletableFuture<CompletableFuture<PutResult>> blocked =
        CompletableFuture.supplyAsync(() -> add(producer, FakeKinesis.HIGH_KEY, 600));
    assertNull(kinesis.pollCall(100));
    assertFalse(blocked.isDone(), "add waits for room");
    call.succeed();
    first.get(5, TimeUnit.SECONDS);
    CompletableFuture<PutResult> second = blocked.get(5, TimeUnit.SECONDS);
    kinesis.nextCall().succeed();
    second.get(5, TimeUnit.SECONDS);
    producer.close();
  }

  @Test
  void closeWakesABlockedAdd() throws Exception {
    KinesisProducer producer = producer().maxBufferedBytes(1_000).build();
    add(producer, FakeKinesis.LOW_KEY, 600);
    FakeKinesis.Call call = kinesis.nextCall();
    CompletableFuture<CompletableFuture<PutResult>> blocked =
        CompletableFuture.supplyAsync(() -> add(producer, FakeKinesis.HIGH_KEY, 600));
    Thread.sleep(100);
    CompletableFuture<Void> closing = CompletableFuture.runAsync(producer::close);
    java.util.concurrent.ExecutionException e =
        assertThrows(java.util.concurrent.ExecutionException.class, () -> blocked.get(5, TimeUnit.SECONDS));
    assertInstanceOf(IllegalStateException.class, e.getCause());
    call.succeed();
    closing.get(5, TimeUnit.SECONDS);
  }

  @Test
  void duringAnOutageAddWaitsInsteadOfQueueingRecordsThatWouldExpire() throws Exception {
    // 20 KB/s put for 2 s, then every call fails: the drain rate falls to 0 and admission stops at the floor.
    KinesisProducer producer = producer().maxRequestSize(10_000).maxRecordSize(10_000)
        .maxQueueTime(Duration.ofSeconds(3)).build();
    for (int i = 0; i < 20; i++) {
      CompletableFuture<PutResult> future = add(producer, FakeKinesis.LOW_KEY, 2_000);
      now.addAndGet(SECOND / 10);
      kinesis.nextCall().succeed();
      future.get(5, TimeUnit.SECONDS);
    }
    now.addAndGet(3 * SECOND); // the outage: nothing put for longer than the rate's window
    CompletableFuture<PutResult> stuck = add(producer, FakeKinesis.LOW_KEY, 8_000); // within the floor
    FakeKinesis.Call call = kinesis.nextCall();
    KinesisProducerException e = failure(producer.tryAdd("k", FakeKinesis.HIGH_KEY, ByteBuffer.allocate(2_500)));
    assertEquals(Reason.QUEUE_TOO_LONG, e.reason(), e.getMessage());
    call.succeed();
    stuck.get(5, TimeUnit.SECONDS);
    CompletableFuture<PutResult> after = producer.tryAdd("k", FakeKinesis.HIGH_KEY, ByteBuffer.allocate(2_500));
    kinesis.nextCall().succeed();
    after.get(5, TimeUnit.SECONDS);
    producer.close();
  }

  @Test
  void requestsInFlightStayWithinAQuarterOfTheBuffer() throws Exception {
    // A quarter of 400,000 is 100,000 bytes: a second call of 60,000 would pass it, so it waits for the first.
    KinesisProducer producer = producer().maxBufferedBytes(400_000).maxRequestSize(100_000)
        .maxRecordSize(100_000).maxQueueTime(Duration.ofSeconds(3)).build();
    for (int i = 0; i < 10; i++) { // 200 KB/s put: the queue may hold 600 KB, so only the memory limit binds
      CompletableFuture<PutResult> future = add(producer, FakeKinesis.LOW_KEY, 20_000);
      now.addAndGet(SECOND / 10);
      kinesis.nextCall().succeed();
      future.get(5, TimeUnit.SECONDS);
    }
    CompletableFuture<PutResult> low = add(producer, FakeKinesis.LOW_KEY, 60_000);
    CompletableFuture<PutResult> high = add(producer, FakeKinesis.HIGH_KEY, 60_000);
    FakeKinesis.Call first = kinesis.nextCall();
    assertEquals(1, first.request().records().size());
    assertNull(kinesis.pollCall(200), "the second call waits for room in flight");
    first.succeed();
    kinesis.nextCall().succeed();
    low.get(5, TimeUnit.SECONDS);
    high.get(5, TimeUnit.SECONDS);
    producer.close();
  }

  @Test
  void closeFromAnInterruptedThreadStillCompletesEveryFuture() throws Exception {
    KinesisProducer producer = producer().build();
    CompletableFuture<PutResult> future = add(producer, FakeKinesis.LOW_KEY, 10);
    FakeKinesis.Call call = kinesis.nextCall();
    CompletableFuture<Boolean> interruptedAfterClose = new CompletableFuture<>();
    Thread closer = new Thread(() -> {
      Thread.currentThread().interrupt();
      producer.close();
      interruptedAfterClose.complete(Thread.currentThread().isInterrupted());
    });
    closer.start();
    assertNull(kinesis.pollCall(200));
    assertFalse(interruptedAfterClose.isDone(), "close waits for the call in flight, interrupted or not");
    call.succeed();
    assertTrue(interruptedAfterClose.get(5, TimeUnit.SECONDS), "the interrupt status is kept");
    assertTrue(future.isDone(), "every future is complete when close returns");
    future.get();
  }

  @Test
  void anInvalidRecordIsRefusedAtOnceEvenWhenTheBufferIsFull() throws Exception {
    KinesisProducer producer = producer().maxBufferedBytes(1_000).maxRecordSize(2_000).maxRequestSize(2_000)
        .maxBlockTime(Duration.ofSeconds(10)).build();
    CompletableFuture<PutResult> filling = add(producer, FakeKinesis.LOW_KEY, 900);
    FakeKinesis.Call call = kinesis.nextCall(); // not answered: the buffer stays full
    assertTimeoutPreemptively(Duration.ofSeconds(2), () -> {
      assertEquals("A partition key must have 1 to 256 characters; this one has 0",
          assertThrows(IllegalArgumentException.class, () -> producer.add("", new byte[1])).getMessage());
      assertThrows(IllegalArgumentException.class, () -> producer.add("k", "-1", new byte[1]));
      assertThrows(IllegalArgumentException.class, () -> producer.add("k", "x", new byte[1]));
      RecordTooLargeException tooLarge =
          assertThrows(RecordTooLargeException.class, () -> producer.add("€", new byte[1_998]));
      assertEquals(2_001, tooLarge.size(), "the partition key counts in UTF-8: 3 bytes");
    });
    call.succeed();
    filling.get(5, TimeUnit.SECONDS);
    CompletableFuture<PutResult> exactlyAtTheLimit = producer.add("€", FakeKinesis.LOW_KEY, new byte[1_997]);
    kinesis.nextCall().succeed();
    exactlyAtTheLimit.get(5, TimeUnit.SECONDS);
    producer.close();
  }

  @Test
  void outstandingRecordsAndTheOldestAgeAsTheKplReportsThem() throws Exception {
    KinesisProducer producer = producer().build();
    assertEquals(0, producer.outstandingRecords());
    assertEquals(Duration.ZERO, producer.oldestRecordAge());
    CompletableFuture<PutResult> first = add(producer, FakeKinesis.LOW_KEY, 10);
    now.addAndGet(2 * SECOND);
    CompletableFuture<PutResult> second = add(producer, FakeKinesis.HIGH_KEY, 10);
    now.addAndGet(3 * SECOND);
    assertEquals(2, producer.outstandingRecords());
    assertEquals(Duration.ofSeconds(5), producer.oldestRecordAge(), "the first record's wait");
    FakeKinesis.Call call = kinesis.nextCall();
    if (call.request().records().size() == 1) { // the two shards' records may go in one call or two
      call.succeed();
      call = kinesis.nextCall();
    }
    call.succeed();
    first.get(5, TimeUnit.SECONDS);
    second.get(5, TimeUnit.SECONDS);
    assertEquals(0, producer.outstandingRecords());
    assertEquals(Duration.ZERO, producer.oldestRecordAge());
    producer.close();
  }

  @Test
  void aggregatesAreFilledToTheAggregateSizeNotTheRecordSize() throws Exception {
    assertThrows(IllegalArgumentException.class,
        () -> producer().maxRecordSize(1_000).maxRequestSize(1_000).maxAggregateSize(1_001).build());
    KinesisProducer producer = producer().maxAggregateSize(2_000).maxBufferedTime(Duration.ofSeconds(10)).build();
    java.util.List<CompletableFuture<PutResult>> futures = new java.util.ArrayList<>();
    for (int i = 0; i < 9; i++) {
      futures.add(add(producer, FakeKinesis.LOW_KEY, 500));
    }
    CompletableFuture<PutResult> big = add(producer, FakeKinesis.LOW_KEY, 5_000); // over the fill size: alone, raw
    Thread flusher = new Thread(producer::flush);
    flusher.start();
    int entries = 0;
    while (entries < 4) {
      FakeKinesis.Call call = kinesis.nextCall();
      for (var entry : call.request().records()) {
        int size = entry.data().asByteArray().length + entry.partitionKey().length();
        assertTrue(size <= 2_000 || size == 5_001, "filled to 2,000 bytes at most, or the big one alone: " + size);
      }
      entries += call.request().records().size();
      call.succeed();
    }
    flusher.join(5_000);
    for (CompletableFuture<PutResult> future : futures) {
      assertTrue(future.get(5, TimeUnit.SECONDS).aggregated());
    }
    assertFalse(big.get(5, TimeUnit.SECONDS).aggregated());
    assertEquals(4, producer.counters().kinesisRecordsSent(), "three records of 500 bytes per aggregate (a fourth "
        + "would take it over 2,000), and the big one: " + producer.counters());
    producer.close();
  }

  @Test
  void abortFailsEveryRecordAtOnceSayingWhichMayHaveBeenStoredAndSendsNothingMore() throws Exception {
    KinesisProducer producer = producer().build();
    CompletableFuture<PutResult> inFlight = add(producer, FakeKinesis.LOW_KEY, 10);
    FakeKinesis.Call call = kinesis.nextCall(); // not answered yet
    CompletableFuture<PutResult> waiting = add(producer, FakeKinesis.LOW_KEY, 10); // its shard has a call in flight
    producer.abort();
    KinesisProducerException first = failure(inFlight);
    assertEquals(Reason.ABORTED, first.reason());
    assertTrue(first.mayHaveBeenStored(), "its call is in flight: " + first.getMessage());
    KinesisProducerException second = failure(waiting);
    assertEquals(Reason.ABORTED, second.reason());
    assertFalse(second.mayHaveBeenStored(), "never sent: " + second.getMessage());
    call.succeed(); // the answer comes too late to change anything
    assertNull(kinesis.pollCall(200), "nothing is sent after abort");
    assertThrows(IllegalStateException.class, () -> add(producer, FakeKinesis.LOW_KEY, 10));
    assertEquals(0, producer.outstandingRecords());
    assertEquals(2, producer.counters().userRecordsFailed());
    producer.close(); // does nothing more
    producer.abort();
  }

  @Test
  void aStreamGivenByItsArnIsSentAsStreamArn() throws Exception {
    String arn = "arn:aws:kinesis:us-east-1:123456789012:stream/orders";
    KinesisProducer producer = KinesisProducer.builder(kinesis, arn).clock(now::get)
        .maxBufferedTime(Duration.ofMillis(1)).build();
    assertEquals(arn, kinesis.listShardsRequests.get(0).streamARN());
    assertNull(kinesis.listShardsRequests.get(0).streamName());
    CompletableFuture<PutResult> future = add(producer, FakeKinesis.LOW_KEY, 10);
    FakeKinesis.Call call = kinesis.nextCall();
    assertEquals(arn, call.request().streamARN());
    assertNull(call.request().streamName());
    call.succeed();
    future.get(5, TimeUnit.SECONDS);
    producer.close();
  }
}
