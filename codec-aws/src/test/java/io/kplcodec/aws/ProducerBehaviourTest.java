package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.RecordTooLargeException;
import io.kplcodec.local.LocalKinesis;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;

/** The producer's contract, one property at a time, against kinesalite. */
class ProducerBehaviourTest {
  @TempDir
  static Path dataDir;

  private static LocalKinesis kinesalite;
  private static KinesisAsyncClient client;

  @BeforeAll
  static void start() throws Exception {
    kinesalite = Kinesalite.start(dataDir);
    client = kinesalite.client();
    LocalKinesis.createStream(client, "behaviour", 2);
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (kinesalite != null) {
      kinesalite.close();
    }
  }

  @Test
  void aLoneRecordLeavesAfterTheMaxBufferedTime() throws Exception {
    try (KinesisProducer producer = KinesisProducer.builder(client, "behaviour")
        .maxBufferedTime(Duration.ofMillis(200))
        .build()) {
      long start = System.nanoTime();
      PutResult result = producer.add("alone", "x".getBytes(StandardCharsets.UTF_8)).get(5, TimeUnit.SECONDS);
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(millis >= 190 && millis < 2000, "waited for the 200 ms timer, then sent: " + millis + " ms");
      assertFalse(result.aggregated(), "a lone user record goes raw, as the KPL sends it");
      assertEquals(0, result.subSequenceNumber());
      assertEquals(1, result.attempts());
    }
  }

  @Test
  void userRecordsOfOneAggregateShareTheSequenceNumberInOrder() {
    List<CompletableFuture<PutResult>> futures = new ArrayList<>();
    try (KinesisProducer producer = KinesisProducer.builder(client, "behaviour").build()) {
      for (int i = 0; i < 1000; i++) {
        futures.add(producer.add("one-key", ("r" + i).getBytes(StandardCharsets.UTF_8)));
      }
      producer.flush();
      ProducerCounters counters = producer.counters();
      assertEquals(1, counters.aggregatesSent(), counters.toString());
      assertEquals(1, counters.putRecordsRequests(), counters.toString());
    }
    String sequenceNumber = futures.get(0).join().sequenceNumber();
    for (int i = 0; i < futures.size(); i++) {
      PutResult result = futures.get(i).join();
      assertEquals(sequenceNumber, result.sequenceNumber());
      assertEquals(i, result.subSequenceNumber());
      assertTrue(result.aggregated());
    }
  }

  @Test
  void concurrentProducersKeepEachKeysOrder() throws Exception {
    int threads = 4;
    int perThread = 5000;
    List<List<CompletableFuture<PutResult>>> futures = new ArrayList<>();
    try (KinesisProducer producer = KinesisProducer.builder(client, "behaviour")
        .maxRecordSize(16 * 1024) // many small aggregates and calls
        .maxRequestSize(64 * 1024)
        .build()) {
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        List<CompletableFuture<PutResult>> mine = new ArrayList<>();
        futures.add(mine);
        int thread = t;
        workers.add(new Thread(() -> {
          for (int i = 0; i < perThread; i++) {
            mine.add(producer.add("thread-" + thread + "-key-" + (i % 20), new byte[50 + i % 200]));
          }
        }));
      }
      workers.forEach(Thread::start);
      for (Thread worker : workers) {
        worker.join();
      }
      producer.flush();
      assertEquals(threads * perThread, producer.counters().userRecordsPut(), producer.counters().toString());
    }
    // Records of one key were added by one thread in order: their (shard, sequence number, sub-sequence number)
    // must increase in that order.
    for (List<CompletableFuture<PutResult>> mine : futures) {
      java.util.Map<Integer, PutResult> lastByKey = new java.util.HashMap<>();
      for (int i = 0; i < mine.size(); i++) {
        PutResult result = mine.get(i).join();
        PutResult last = lastByKey.put(i % 20, result);
        if (last != null) {
          assertEquals(last.shardId(), result.shardId());
          int bySequence = new java.math.BigInteger(last.sequenceNumber())
              .compareTo(new java.math.BigInteger(result.sequenceNumber()));
          assertTrue(bySequence < 0 || bySequence == 0 && last.subSequenceNumber() < result.subSequenceNumber(),
              "order broken: " + last + " then " + result);
        }
      }
    }
  }

  @Test
  void addBlocksWhileTheBufferIsFullAndResumesWhenRecordsComplete() throws Exception {
    KinesisProducer producer = KinesisProducer.builder(client, "behaviour")
        .maxBufferedBytes(10 * 1024)
        .recordTimeout(Duration.ofSeconds(60))
        .requestTimeout(Duration.ofSeconds(1))
        .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(200))
        .build();
    kinesalite.stop(); // nothing completes: the buffer fills
    List<CompletableFuture<PutResult>> futures = new CopyOnWriteArrayList<>();
    Thread adder = new Thread(() -> {
      for (int i = 0; i < 50; i++) {
        futures.add(producer.add("key-" + i, new byte[1000]));
      }
    }, "adder");
    adder.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (adder.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    Thread.sleep(300);
    assertEquals(Thread.State.TIMED_WAITING, adder.getState(), "add blocks when 10 KiB are pending");
    int accepted = futures.size();
    // Each record costs its data, its key and the producer's bookkeeping.
    long cost = 1000 + "key-0".length() + Admission.PER_RECORD_OVERHEAD;
    assertTrue(accepted >= 10 * 1024 / cost && accepted <= 10 * 1024 / cost + 1,
        "about 10 KiB accepted, then blocked: " + accepted);
    assertTrue(futures.stream().noneMatch(CompletableFuture::isDone), "none put while kinesalite is down");

    kinesalite.startAgain();
    adder.join(TimeUnit.SECONDS.toMillis(30));
    assertFalse(adder.isAlive(), "add resumed once records completed");
    producer.close();
    assertEquals(50, futures.size());
    for (CompletableFuture<PutResult> future : futures) {
      assertTrue(future.isDone() && !future.isCompletedExceptionally(), future.toString());
    }
    ProducerCounters counters = producer.counters();
    assertEquals(50, counters.userRecordsPut(), counters.toString());
  }

  @Test
  @Timeout(60) // a deadlock here would otherwise hang the build
  void callbacksOnTheProducersThreadMayAddPastAFullBufferButNotFlush() throws Exception {
    try (KinesisProducer producer = KinesisProducer.builder(client, "behaviour")
        .maxBufferedBytes(2_000)
        .build()) {
      // Each completion adds the next record from the producer's own thread, while the buffer is kept full.
      int chain = 20;
      CompletableFuture<Void> chainDone = new CompletableFuture<>();
      CompletableFuture<IllegalStateException> flushInCallback = new CompletableFuture<>();
      producer.add("chain", new byte[1_500]).whenComplete(new java.util.function.BiConsumer<>() {
        private int left = chain;

        @Override
        public void accept(PutResult result, Throwable error) {
          if (error != null) {
            chainDone.completeExceptionally(error);
          } else if (--left == 0) {
            try {
              producer.flush();
              flushInCallback.complete(null);
            } catch (IllegalStateException e) {
              flushInCallback.complete(e);
            }
            chainDone.complete(null);
          } else {
            producer.add("chain", new byte[1_500]).whenComplete(this);
            producer.add("filler", new byte[1_500]); // over the 2,000-byte buffer: must not block this thread
          }
        }
      });
      chainDone.get(30, TimeUnit.SECONDS);
      IllegalStateException refused = flushInCallback.get(1, TimeUnit.SECONDS);
      assertTrue(refused != null && refused.getMessage().startsWith("flush() cannot run in a callback"),
          String.valueOf(refused));
      producer.flush();
      assertEquals(2 * chain - 1, producer.counters().userRecordsPut(), producer.counters().toString());
    }
  }

  @Test
  void invalidOrOversizeRecordsAreRefusedAtOnceAndNothingChanges() {
    try (KinesisProducer producer = KinesisProducer.builder(client, "behaviour").maxRecordSize(1000).build()) {
      RecordTooLargeException tooLarge =
          assertThrows(RecordTooLargeException.class, () -> producer.add("k", new byte[1000]));
      assertEquals(1001, tooLarge.size());
      assertThrows(IllegalArgumentException.class, () -> producer.add("k", "not-a-number", new byte[1]));
      assertThrows(IllegalArgumentException.class, () -> producer.add("", new byte[1]));
      assertEquals(0, producer.counters().userRecordsAdded());
      producer.add("k", new byte[999]).join(); // data + key = the limit: fits
    }
  }

  @Test
  void closedProducerRefusesRecords() {
    KinesisProducer producer = KinesisProducer.builder(client, "behaviour").build();
    CompletableFuture<PutResult> last = producer.add("k", new byte[10]);
    producer.close();
    assertTrue(last.isDone(), "close waits for every record");
    assertThrows(IllegalStateException.class, () -> producer.add("k", new byte[10]));
    producer.close(); // idempotent
  }

  @Test
  void aMissingStreamFailsTheBuildWithTheCause() {
    KinesisProducerException failure = assertThrows(KinesisProducerException.class,
        () -> KinesisProducer.builder(client, "no-such-stream").build());
    assertTrue(failure.getMessage().contains("no-such-stream"), failure.getMessage());
    assertTrue(failure.getCause() != null);
  }
}
