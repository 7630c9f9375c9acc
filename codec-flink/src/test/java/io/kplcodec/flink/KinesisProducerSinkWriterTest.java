package io.kplcodec.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.Deaggregator;
import io.kplcodec.UserRecord;
import io.kplcodec.aws.KinesisProducerException;
import io.kplcodec.local.LocalKinesis;
import io.kplcodec.local.testing.KinesaliteExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.metrics.groups.InternalSinkWriterMetricGroup;
import org.apache.flink.util.InstantiationUtil;
import org.apache.flink.util.function.ThrowingRunnable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * {@link KinesisProducerSink}'s writer against kinesalite, one writer at a time (no Flink job): what a flush
 * guarantees, how a failed user record fails the writer (at the next write or flush, and through the task's
 * mailbox), refusals at write, close, and the sink's serialization.
 */
class KinesisProducerSinkWriterTest {
  @RegisterExtension
  static final KinesaliteExtension KINESALITE = new KinesaliteExtension();
  private static int streams;

  @Test
  void nothingLeavesBeforeAFlushAndEveryUserRecordIsInTheStreamWhenItReturns() throws Exception {
    String stream = newStream(2);
    Mails mails = new Mails();
    SinkWriterMetricGroup metrics = metrics();
    // Aggregates never fill (1,000 small records per 1 MiB) and the timer is a minute away: only a flush sends.
    try (KinesisProducerSinkWriter<String> writer = sink(stream, KINESALITE.port(), Duration.ofMinutes(1), null)
        .createWriter(null, mails, metrics)) {
      for (int i = 0; i < 1_000; i++) {
        writer.write("order-" + i, null);
      }
      Thread.sleep(300);
      assertEquals(0, userRecords(stream).size(), "nothing left before the flush");
      assertEquals(1_000, writer.pendingUserRecords());

      long flushStarted = System.nanoTime();
      writer.flush(false);
      long flushMillis = (System.nanoTime() - flushStarted) / 1_000_000;
      assertTrue(flushMillis < 20_000, "the flush sent at once instead of waiting for the buffer time: " + flushMillis);
      assertEquals(0, writer.pendingUserRecords(), "every future completed when flush returned");
      List<String> stored = userRecords(stream);
      assertEquals(1_000, stored.size(), "every user record is in the stream when flush returns");
      assertTrue(stored.containsAll(List.of("order-0", "order-500", "order-999")));
      assertEquals(1_000, metrics.getNumRecordsSendCounter().getCount());
      assertEquals(0, metrics.getNumRecordsSendErrorsCounter().getCount());

      writer.write("order-1000", null);
      writer.flush(true); // end of input: the same
      assertEquals(1_001, userRecords(stream).size());
    }
    assertEquals(0, mails.size(), "no failure reported");
  }

  @Test
  void closingBeforeTheEndOfInputDropsWhatTheWriterHoldsTheReplayWritesIt() throws Exception {
    String stream = newStream(1);
    KinesisProducerSinkWriter<String> failed =
        sink(stream, KINESALITE.port(), Duration.ofMinutes(1), null).createWriter(null, new Mails(), metrics());
    for (int i = 0; i < 100; i++) {
      failed.write("order-" + i, null);
    }
    failed.close(); // a failure or a cancel: the producer is aborted, nothing it held is sent
    assertEquals(0, userRecords(stream).size(), "nothing sent after the close of a task that did not finish");

    KinesisProducerSinkWriter<String> finished =
        sink(stream, KINESALITE.port(), Duration.ofMinutes(1), null).createWriter(null, new Mails(), metrics());
    for (int i = 0; i < 100; i++) {
      finished.write("order-" + i, null);
    }
    finished.flush(true); // the end of the input
    finished.close();
    assertEquals(100, userRecords(stream).size(), "everything put at the end of the input");
  }

  @Test
  void aUserRecordThatCannotBePutFailsTheNextFlushTheNextWriteAndTheMailbox() throws Exception {
    try (LocalKinesis doomed = Kinesalite.start(); KinesisAsyncClient client = doomed.client()) {
      LocalKinesis.createStream(client, "doomed", 1);
      Mails mails = new Mails();
      SinkWriterMetricGroup metrics = metrics();
      KinesisProducerSinkWriter<String> writer = sink("doomed", doomed.port(), Duration.ofMinutes(1),
          producer -> producer.recordTimeout(Duration.ofSeconds(1)).retryBackoff(Duration.ofMillis(50),
              Duration.ofMillis(200))).createWriter(null, mails, metrics);
      doomed.stop(); // the stream's endpoint is gone: every attempt fails until the record timeout
      for (int i = 0; i < 10; i++) {
        writer.write("order-" + i, null);
      }
      // The flush fails at the first failed user record (the job fails there), not when the last one has failed.
      IOException flushed = assertThrows(IOException.class, () -> writer.flush(false));
      KinesisProducerException cause = assertInstanceOf(KinesisProducerException.class, flushed.getCause());
      assertEquals(KinesisProducerException.Reason.RECORD_TIMEOUT, cause.reason());
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (writer.pendingUserRecords() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(10); // the other nine time out too, each at its next failed attempt
      }
      assertEquals(0, writer.pendingUserRecords(), "every future completed, none was put");

      // The task's mailbox got one mail that fails it, even if no record or checkpoint comes.
      assertEquals(1, mails.size(), "one mail for the first failure");
      assertThrows(IOException.class, () -> mails.get(0).run());
      // And any later write fails at once.
      assertThrows(IOException.class, () -> writer.write("order-10", null));
      writer.close();
      assertEquals(10, metrics.getNumRecordsSendErrorsCounter().getCount(), "counted by the time the writer closed");
      assertEquals(0, metrics.getNumRecordsSendCounter().getCount());
    }
  }

  @Test
  void aWriteWithNoRoomForTheMaxBlockTimeFailsTheWriter() throws Exception {
    try (LocalKinesis doomed = Kinesalite.start(); KinesisAsyncClient client = doomed.client()) {
      LocalKinesis.createStream(client, "full", 1);
      KinesisProducerSinkWriter<String> writer = sink("full", doomed.port(), Duration.ofMillis(10),
          producer -> producer.maxBufferedBytes(20_000).maxBlockTime(Duration.ofMillis(200))
              .recordTimeout(Duration.ofSeconds(2)).retryBackoff(Duration.ofMillis(50), Duration.ofMillis(200)))
          .createWriter(null, new Mails(), metrics());
      doomed.stop();
      String big = "x".repeat(1_000);
      IOException refused = null;
      long began = System.nanoTime();
      for (int i = 0; i < 100 && refused == null; i++) {
        try {
          writer.write(big + "-" + i, null);
        } catch (IOException e) {
          refused = e;
        }
      }
      assertTrue(refused != null, "a write found no room for the max block time");
      KinesisProducerException cause = assertInstanceOf(KinesisProducerException.class, refused.getCause());
      assertTrue(cause.reason() == KinesisProducerException.Reason.BUFFER_FULL
          || cause.reason() == KinesisProducerException.Reason.QUEUE_TOO_LONG, cause.toString());
      assertTrue(System.nanoTime() - began >= Duration.ofMillis(200).toNanos(), "it blocked first (backpressure)");
      writer.close(); // the records it holds time out; no producer thread outlives the test
    }
  }

  @Test
  void anInvalidUserRecordFailsItsWriteAndLeavesNothingPending() throws Exception {
    String stream = newStream(1);
    KinesisProducerSink<String> sink = KinesisProducerSink.<String>builder()
        .setStreamName(stream)
        .setKinesisClientProperties(Kinesalite.clientProperties(KINESALITE.port()))
        .setSerializationSchema(value -> value.getBytes(StandardCharsets.UTF_8))
        .setPartitionKeyGenerator(value -> value.startsWith("keyless") ? "" : value)
        .setExplicitHashKeyGenerator(value -> value.startsWith("bad-ehk") ? "12a" : null)
        .setMaxRecordSizeInBytes(1_000)
        .build();
    try (KinesisProducerSinkWriter<String> writer = sink.createWriter(null, new Mails(), metrics())) {
      writer.write("fine", null);
      IOException badKey = assertThrows(IOException.class, () -> writer.write("bad-ehk", null));
      assertInstanceOf(IllegalArgumentException.class, badKey.getCause());
      assertThrows(IOException.class, () -> writer.write("x".repeat(1_000), null), "data plus key over the limit");
      assertThrows(IOException.class, () -> writer.write("keyless", null), "an empty partition key");
      assertEquals(1, writer.pendingUserRecords(), "only the valid record is pending");
      writer.flush(false);
      assertEquals(List.of("fine"), userRecords(stream));
    }
  }

  @Test
  void aStreamThatCannotBeListedFailsTheWriterAtItsStart() {
    KinesisProducerSink<String> sink = sink("no-such-stream", KINESALITE.port(), Duration.ofMillis(100), null);
    IOException failed = assertThrows(IOException.class, () -> sink.createWriter(null, new Mails(), metrics()));
    assertTrue(failed.getMessage().contains("no-such-stream"), failed.getMessage());
  }

  @Test
  void theSinkTravelsWithTheJobGraph() throws Exception {
    String stream = newStream(1);
    KinesisProducerSink<String> sink = sink(stream, KINESALITE.port(), Duration.ofMillis(100),
        producer -> producer.maxInFlightRequests(2));
    KinesisProducerSink<String> copy = InstantiationUtil.clone(sink, getClass().getClassLoader());
    try (KinesisProducerSinkWriter<String> writer = copy.createWriter(null, new Mails(), metrics())) {
      writer.write("travelled", null);
      writer.flush(false);
    }
    assertEquals(List.of("travelled"), userRecords(stream));
  }

  @Test
  void clientPropertiesAreCheckedWhenTheSinkIsBuilt() {
    Properties noRegion = Kinesalite.clientProperties(1);
    noRegion.remove("aws.region");
    assertThrows(IllegalArgumentException.class, () -> KinesisClientFactory.fromProperties(noRegion));
    Properties profile = Kinesalite.clientProperties(1);
    profile.setProperty("aws.credentials.provider", "PROFILE");
    assertThrows(IllegalArgumentException.class, () -> KinesisClientFactory.fromProperties(profile));
    Properties noSecret = Kinesalite.clientProperties(1);
    noSecret.remove("aws.credentials.provider.basic.secretkey");
    assertThrows(IllegalArgumentException.class, () -> KinesisClientFactory.fromProperties(noSecret));
    Properties http3 = Kinesalite.clientProperties(1);
    http3.setProperty("aws.http.protocol.version", "HTTP3");
    assertThrows(IllegalArgumentException.class, () -> KinesisClientFactory.fromProperties(http3));
    assertThrows(IllegalStateException.class, () -> KinesisProducerSink.<String>builder().setStreamName("s").build());
    assertThrows(IllegalArgumentException.class, () -> KinesisProducerSink.<String>builder().setStreamArn("orders"));
    IllegalStateException noStream = assertThrows(IllegalStateException.class,
        () -> KinesisProducerSink.<String>builder().build());
    assertEquals("KinesisProducerSink needs setStreamName or setStreamArn", noStream.getMessage());
  }

  private static KinesisProducerSink<String> sink(String stream, int port, Duration maxBufferTime,
      KinesisProducerSink.ProducerConfigurer configurer) {
    KinesisProducerSink.Builder<String> builder = KinesisProducerSink.<String>builder()
        .setStreamName(stream)
        .setKinesisClientProperties(Kinesalite.clientProperties(port))
        .setSerializationSchema(value -> value.getBytes(StandardCharsets.UTF_8))
        .setPartitionKeyGenerator(value -> value.length() > 100 ? value.substring(value.length() - 10) : value)
        .setMaxBufferTime(maxBufferTime);
    if (configurer != null) {
      builder.configureProducer(configurer);
    }
    return builder.build();
  }

  private static String newStream(int shards) throws Exception {
    String name = "writer-" + (++streams);
    LocalKinesis.createStream(KINESALITE.client(), name, shards);
    return name;
  }

  /** Every user record in the stream, as text, shard by shard. */
  private static List<String> userRecords(String stream) throws Exception {
    List<String> users = new ArrayList<>();
    Deaggregator deaggregator = Deaggregator.create();
    for (Shard shard : LocalKinesis.listShards(KINESALITE.client(), stream)) {
      for (Record record : LocalKinesis.readShard(KINESALITE.client(), stream, shard.shardId())) {
        for (UserRecord user : deaggregator.deaggregate(record.data().asByteBuffer())) {
          users.add(new String(user.dataBytes(), StandardCharsets.UTF_8));
        }
      }
    }
    return users;
  }

  private static SinkWriterMetricGroup metrics() {
    return InternalSinkWriterMetricGroup.wrap(UnregisteredMetricsGroup.createOperatorMetricGroup());
  }

  /** The task's mailbox, as far as the writer uses it: mails are kept, for the test to run. */
  static final class Mails extends CopyOnWriteArrayList<ThrowingRunnable<? extends Exception>>
      implements MailboxExecutor {
    private static final long serialVersionUID = 1L;

    @Override
    public void execute(ThrowingRunnable<? extends Exception> command, String descriptionFormat,
        Object... descriptionArgs) {
      add(command);
    }

    @Override
    public void yield() {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean tryYield() {
      return false;
    }
  }
}
