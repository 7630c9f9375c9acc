package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;

/** The producer's metrics events and its MXBean, against a mock client with a fake clock. */
@Timeout(20)
class ProducerMetricsTest {
  private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);
  private final AtomicLong now = new AtomicLong(1_000_000 * MILLI);
  private final FakeKinesis kinesis = new FakeKinesis();
  private final List<String> events = new CopyOnWriteArrayList<>();

  /** Writes every event as a line, so that tests compare what happened in order. */
  private final ProducerMetrics recorder = new ProducerMetrics() {
    @Override
    public void userRecordReceived(String stream) {
      events.add("received " + stream);
    }

    @Override
    public void userRecordPut(String stream, String shardId, long bytes, Duration sinceAdd, int attempts) {
      events.add("put " + stream + " " + shardId + " " + bytes + " B after " + sinceAdd.toMillis() + " ms, "
          + attempts + " attempt(s)");
    }

    @Override
    public void userRecordFailed(String stream, KinesisProducerException.Reason reason, int attempts) {
      events.add("failed " + stream + " " + reason + " after " + attempts + " attempt(s)");
    }

    @Override
    public void kinesisRecordPut(String stream, String shardId, long bytes, int userRecords) {
      events.add("kinesis record " + stream + " " + shardId + " " + bytes + " B, " + userRecords + " user record(s)");
    }

    @Override
    public void putRecordsCall(String stream, int kinesisRecords, int userRecords, Duration requestTime,
        String errorCode) {
      events.add("call " + stream + " " + kinesisRecords + "/" + userRecords + " in " + requestTime.toMillis() + " ms"
          + (errorCode == null ? "" : " failed " + errorCode));
    }

    @Override
    public void kinesisRecordFailed(String stream, String shardId, String errorCode) {
      events.add("refused " + stream + " " + shardId + " " + errorCode);
    }
  };

  private KinesisProducer.Builder producer() {
    return KinesisProducer.builder(kinesis, "s").clock(now::get).maxBufferedTime(Duration.ofMillis(1))
        .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(1)).metrics(recorder);
  }

  @Test
  void eachEventAsTheKplCountsIt() throws Exception {
    KinesisProducer producer = producer().build();
    CompletableFuture<PutResult> first = producer.add("k", FakeKinesis.LOW_KEY, ByteBuffer.allocate(99));
    FakeKinesis.Call call = kinesis.nextCall();
    now.addAndGet(40 * MILLI);
    call.fail(ApiCallTimeoutException.create(6000)); // the whole call
    call = kinesis.nextCall();
    now.addAndGet(10 * MILLI);
    call.refuseEvery("ProvisionedThroughputExceededException"); // the entry
    call = kinesis.nextCall();
    now.addAndGet(5 * MILLI);
    call.succeed();
    first.get(5, TimeUnit.SECONDS);
    producer.close();
    assertEquals(List.of(
        "received s",
        "call s 1/1 in 40 ms failed ApiCallTimeoutException",
        "call s 1/1 in 10 ms",
        "refused s shardId-000000000000 ProvisionedThroughputExceededException",
        "call s 1/1 in 5 ms",
        "kinesis record s shardId-000000000000 100 B, 1 user record(s)",
        "put s shardId-000000000000 100 B after 55 ms, 3 attempt(s)"), events);
  }

  @Test
  void anExpiredRecordAndAListenerThatThrows() throws Exception {
    KinesisProducer producer = producer().recordTimeout(Duration.ofSeconds(1)).metrics(new ProducerMetrics() {
      @Override
      public void userRecordReceived(String stream) {
        throw new IllegalStateException("a bug in the listener");
      }

      @Override
      public void userRecordFailed(String stream, KinesisProducerException.Reason reason, int attempts) {
        recorder.userRecordFailed(stream, reason, attempts);
      }
    }).build();
    CompletableFuture<PutResult> future = producer.add("k", FakeKinesis.LOW_KEY, ByteBuffer.allocate(1));
    FakeKinesis.Call call = kinesis.nextCall();
    now.addAndGet(2_000 * MILLI);
    call.refuseEvery("ProvisionedThroughputExceededException");
    assertTrue(future.handle((result, error) -> error instanceof KinesisProducerException).get(5, TimeUnit.SECONDS));
    assertEquals(List.of("failed s RECORD_TIMEOUT after 1 attempt(s)"), events);
    assertEquals(1, producer.counters().metricsFailures(), "counted, and the record went on regardless");
    producer.close();
  }

  @Test
  void theMxBeanShowsTheCountersAndGoesAwayOnClose() throws Exception {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    ObjectName query = new ObjectName("io.kplcodec:type=KinesisProducer,stream=\"s\",*");
    Set<ObjectName> before = server.queryNames(query, null);
    KinesisProducer producer = producer().jmx(true).build();
    Set<ObjectName> names = server.queryNames(query, null);
    names.removeAll(before);
    assertEquals(1, names.size(), names.toString());
    ObjectName name = names.iterator().next();
    CompletableFuture<PutResult> future = producer.add("k", FakeKinesis.LOW_KEY, ByteBuffer.allocate(1));
    FakeKinesis.Call call = kinesis.nextCall();
    now.addAndGet(300 * MILLI);
    assertEquals(1, server.getAttribute(name, "OutstandingRecords"));
    assertEquals(300L, server.getAttribute(name, "OldestRecordAgeMillis"));
    assertEquals(1L, server.getAttribute(name, "UserRecordsAdded"));
    assertEquals(List.of("s"), List.of((String[]) server.getAttribute(name, "Streams")));
    call.succeed();
    future.get(5, TimeUnit.SECONDS);
    assertEquals(1L, server.getAttribute(name, "UserRecordsPut"));
    producer.close();
    assertFalse(server.isRegistered(name));
  }
}
