package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.local.LocalKinesis;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * The producer while kinesalite is stopped (killed) and restarted: nothing lost once it is back; and when it does
 * not come back, every affected future fails with a clear error after the record timeout, never silently.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProducerFaultTest {
  @TempDir
  static Path dataDir;

  private static LocalKinesis kinesalite;
  private static KinesisAsyncClient client;

  @BeforeAll
  static void start() throws Exception {
    kinesalite = Kinesalite.start(dataDir); // on disk: a restart keeps the stream and its records
    client = kinesalite.client();
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (kinesalite != null) {
      kinesalite.close();
    }
  }

  @Test
  @Order(1)
  void stoppedAndRestartedDuringProductionNothingLost() throws Exception {
    String stream = "fault-restart";
    List<Shard> shards = LocalKinesis.createStream(client, stream, 2);
    int total = 20_000;
    CountDownLatch outageStarted = new CountDownLatch(1);
    CountDownLatch halfway = new CountDownLatch(1);
    Thread outage = new Thread(() -> {
      try {
        halfway.await();
        kinesalite.stop();
        outageStarted.countDown();
        Thread.sleep(1500);
        kinesalite.startAgain();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, "kinesalite-outage");
    outage.start();

    Random random = new Random(11);
    List<CompletableFuture<PutResult>> futures = new ArrayList<>();
    ProducerCounters counters;
    try (KinesisProducer producer = KinesisProducer.builder(client, stream)
        .maxBufferedTime(Duration.ofMillis(20))
        .maxRecordSize(64 * 1024) // small aggregates: many calls, so some are in flight when it goes down
        .maxRequestSize(256 * 1024)
        .recordTimeout(Duration.ofSeconds(30))
        .requestTimeout(Duration.ofSeconds(2))
        .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(400))
        .build()) {
      for (int id = 0; id < total; id++) {
        if (id == total / 4) {
          halfway.countDown();
          assertTrue(outageStarted.await(20, TimeUnit.SECONDS));
        }
        futures.add(producer.add("key-" + random.nextInt(500), payload(id, random)));
        if (id % 100 == 0) {
          Thread.sleep(1); // spread production over the outage
        }
      }
      producer.flush();
      counters = producer.counters();
    }
    outage.join();

    for (CompletableFuture<PutResult> future : futures) {
      assertTrue(future.isDone() && !future.isCompletedExceptionally(), () -> "failed: " + future);
    }
    assertEquals(total, counters.userRecordsPut(), counters.toString());
    assertTrue(counters.failedRequests() > 0, "the outage made calls fail: " + counters);
    assertTrue(counters.retriedEntries() > 0, "and they were retried: " + counters);

    int[] seen = new int[total];
    for (Shard shard : shards) {
      for (DeaggregatedRecord record
          : SdkDeaggregator.create().forShard(shard).deaggregate(readShard(stream, shard.shardId()))) {
        seen[ProducerEndToEndTest.idOf(record.dataBytes())]++;
      }
    }
    int duplicates = 0;
    for (int id = 0; id < total; id++) {
      assertTrue(seen[id] >= 1, "user record " + id + " lost");
      if (seen[id] > 1) {
        duplicates += seen[id] - 1;
        assertTrue(futures.get(id).join().attempts() > 1, "duplicate of " + id + " without a retry");
      }
    }
    System.out.printf("codec-aws fault (kill + restart for 1.5 s): %d user records all put; %s; duplicates %d%n",
        total, counters, duplicates);
  }

  @Test
  @Order(2)
  void notBackInTimeFuturesFailWithTheCauseAfterTheRecordTimeout() throws Exception {
    String stream = "fault-down";
    LocalKinesis.createStream(client, stream, 1);
    KinesisProducer producer = KinesisProducer.builder(client, stream)
        .recordTimeout(Duration.ofSeconds(2))
        .requestTimeout(Duration.ofSeconds(1))
        .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(300))
        .build();
    kinesalite.stop();
    try {
      long added = System.nanoTime();
      List<CompletableFuture<PutResult>> futures = new ArrayList<>();
      for (int id = 0; id < 200; id++) {
        futures.add(producer.add("key-" + id, ("record " + id).getBytes(StandardCharsets.UTF_8)));
      }
      producer.close(); // waits until every future is complete
      double seconds = (System.nanoTime() - added) / 1e9;
      for (CompletableFuture<PutResult> future : futures) {
        CompletionException failure = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
            future::join);
        KinesisProducerException cause = assertInstanceOf(KinesisProducerException.class, failure.getCause());
        assertTrue(cause.getMessage().startsWith("Not put within the record timeout of PT2S ("),
            cause.getMessage());
        assertTrue(cause.getCause() != null, "the last error is the cause");
        assertEquals(KinesisProducerException.Reason.RECORD_TIMEOUT, cause.reason());
        assertTrue(!cause.attemptErrors().isEmpty(), cause.getMessage());
        assertTrue(!cause.mayHaveBeenStored(), "every attempt's connection was refused: " + cause.getMessage());
      }
      ProducerCounters counters = producer.counters();
      assertEquals(200, counters.userRecordsFailed(), counters.toString());
      assertEquals(0, counters.userRecordsPut(), counters.toString());
      assertTrue(seconds >= 2 && seconds < 8, "failed after the 2 s timeout, not much later: " + seconds + " s");
      System.out.printf("codec-aws fault (down for good): 200 futures failed after %.1f s: %s%n", seconds,
          futures.get(0).handle((r, e) -> e.getMessage()).join());
    } finally {
      kinesalite.startAgain();
    }
  }

  @Test
  @Order(3)
  @Timeout(60) // before the fix, flush() waited for these futures forever
  void landedOnAShardListShardsNeverListsFailsAtTheRecordTimeoutWithoutHammeringListShards() throws Exception {
    String stream = "fault-unlisted";
    LocalKinesis.createStream(client, stream, 1);
    AtomicInteger listShardsCalls = new AtomicInteger();
    AtomicInteger putRecordsCalls = new AtomicInteger();
    // The first PutRecords answer says the entry landed on a shard that ListShards will never list.
    KinesaliteProxy.Answer countListShards = (operation, body) -> {
      if (operation.equals("ListShards")) {
        listShardsCalls.incrementAndGet();
      }
      return null;
    };
    KinesaliteProxy.Rewrite landElsewhereOnce = (operation, response) ->
        operation.equals("PutRecords") && putRecordsCalls.incrementAndGet() == 1
            ? new String(response, StandardCharsets.UTF_8)
                .replace("shardId-000000000000", "shardId-000000009999").getBytes(StandardCharsets.UTF_8)
            : response;
    try (KinesaliteProxy proxy = KinesaliteProxy.start(kinesalite.port(), countListShards, landElsewhereOnce);
        KinesisAsyncClient throughProxy = proxy.client()) {
      KinesisProducer producer = KinesisProducer.builder(throughProxy, stream)
          .recordTimeout(Duration.ofSeconds(2))
          .retryBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
          .build();
      List<CompletableFuture<PutResult>> lost = new ArrayList<>();
      for (int id = 0; id < 100; id++) {
        lost.add(producer.add("key-" + id, ("record " + id).getBytes(StandardCharsets.UTF_8)));
      }
      long start = System.nanoTime();
      producer.flush();
      double seconds = (System.nanoTime() - start) / 1e9;
      for (CompletableFuture<PutResult> future : lost) {
        CompletionException failure = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class,
            future::join);
        String message = failure.getCause().getMessage();
        assertTrue(message.contains("Landed on shard shardId-000000009999 (sequence number "), message);
        assertTrue(((KinesisProducerException) failure.getCause()).mayHaveBeenStored(), "it is in the stream");
        assertTrue(message.contains("ListShards does not list shard shardId-000000009999"), message);
      }
      // Asked again every 200 ms (the maximum backoff) until the 2 s timeout, not in a tight loop.
      assertTrue(listShardsCalls.get() >= 5 && listShardsCalls.get() <= 20,
          "ListShards calls: " + listShardsCalls.get());
      assertTrue(seconds >= 1.5 && seconds < 6, "failed at the timeout: " + seconds + " s");

      // The producer goes on: later records land where predicted.
      PutResult later = producer.add("later", new byte[] {1}).join();
      assertEquals("shardId-000000000000", later.shardId());
      producer.close();
      ProducerCounters counters = producer.counters();
      assertEquals(100, counters.userRecordsFailed(), counters.toString());
      assertEquals(1, counters.misroutedRecords(), counters.toString());
      assertEquals(1, counters.userRecordsPut(), counters.toString());
    }
  }

  private static List<Record> readShard(String stream, String shardId) throws Exception {
    return LocalKinesis.readShard(client, stream, shardId);
  }

  private static byte[] payload(int id, Random random) {
    byte[] head = (id + ";").getBytes(StandardCharsets.UTF_8);
    byte[] data = new byte[head.length + random.nextInt(400)];
    System.arraycopy(head, 0, data, 0, head.length);
    return data;
  }
}
