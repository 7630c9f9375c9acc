package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.local.LocalKinesis;
import io.kplcodec.local.testing.KinesaliteExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * Throttling, as the service does it: a PutRecords call that succeeds with entries refused ({@code
 * ProvisionedThroughputExceededException}) and not stored. kinesalite never throttles, so the producer talks to it
 * through a pass-through HTTP proxy that answers every third PutRecords call itself with all entries refused; every
 * other call reaches kinesalite unchanged.
 */
class ProducerThrottlingTest {
  @RegisterExtension
  static final KinesaliteExtension KINESALITE = new KinesaliteExtension();
  private static final Pattern ENTRY = Pattern.compile("\"PartitionKey\"");
  private static KinesaliteProxy proxy;
  private static final AtomicInteger putRecordsCalls = new AtomicInteger();
  private static final AtomicInteger throttledEntries = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    proxy = KinesaliteProxy.start(KINESALITE.port(), ProducerThrottlingTest::throttleEveryThirdPutRecords,
        (operation, response) -> response);
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void refusedEntriesAreRetriedUntilPutNothingLostNothingDuplicatedOrderKept() throws Exception {
    String stream = "throttled";
    List<Shard> shards = LocalKinesis.createStream(KINESALITE.client(), stream, 2);
    int total = 20_000;
    Random random = new Random(5);
    String[] keyOf = new String[total];
    List<CompletableFuture<PutResult>> futures = new ArrayList<>();
    ProducerCounters counters;
    try (KinesisAsyncClient throughProxy = proxy.client();
        KinesisProducer producer = KinesisProducer.builder(throughProxy, stream)
            .maxRecordSize(32 * 1024) // small aggregates: many calls, many of them throttled
            .maxRequestSize(128 * 1024)
            .retryBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
            .build()) {
      for (int id = 0; id < total; id++) {
        keyOf[id] = "key-" + random.nextInt(300);
        byte[] head = (id + ";").getBytes(StandardCharsets.UTF_8);
        byte[] data = new byte[head.length + random.nextInt(300)];
        System.arraycopy(head, 0, data, 0, head.length);
        futures.add(producer.add(keyOf[id], data));
      }
      producer.flush();
      counters = producer.counters();
    }

    for (CompletableFuture<PutResult> future : futures) {
      assertTrue(future.isDone() && !future.isCompletedExceptionally(), () -> "failed: " + future);
    }
    assertTrue(throttledEntries.get() > 0);
    assertEquals(throttledEntries.get(), counters.failedEntries(), counters.toString());
    assertEquals(throttledEntries.get(), counters.retriedEntries(), counters.toString());
    assertEquals(total, counters.userRecordsPut(), counters.toString());

    int[] seen = new int[total];
    Map<String, Integer> lastByKey = new HashMap<>();
    for (Shard shard : shards) {
      for (DeaggregatedRecord record : SdkDeaggregator.create().forShard(shard)
          .deaggregate(LocalKinesis.readShard(KINESALITE.client(), stream, shard.shardId()))) {
        int id = ProducerEndToEndTest.idOf(record.dataBytes());
        seen[id]++;
        assertEquals(keyOf[id], record.partitionKey());
        Integer last = lastByKey.put(record.partitionKey(), id);
        // A refused call stores nothing and its shards stay held until the retry: order holds even across retries.
        assertTrue(last == null || last < id, "order broken for " + record.partitionKey() + ": " + last + ", " + id);
      }
    }
    for (int id = 0; id < total; id++) {
      assertEquals(1, seen[id], "user record " + id + " stored once");
    }
    System.out.printf("codec-aws throttling: %d user records, %d PutRecords calls (every third refused: %d entries),"
        + " all put once, in order; %s%n", total, putRecordsCalls.get(), throttledEntries.get(), counters);
  }

  /** Every third PutRecords call is answered by the proxy: all entries refused, nothing stored. */
  private static byte[] throttleEveryThirdPutRecords(String operation, byte[] body) {
    if (!operation.equals("PutRecords") || putRecordsCalls.incrementAndGet() % 3 != 1) {
      return null;
    }
    Matcher matcher = ENTRY.matcher(new String(body, StandardCharsets.UTF_8));
    int entries = 0;
    while (matcher.find()) {
      entries++;
    }
    throttledEntries.addAndGet(entries);
    StringBuilder json = new StringBuilder("{\"FailedRecordCount\":" + entries + ",\"Records\":[");
    for (int i = 0; i < entries; i++) {
      json.append(i == 0 ? "" : ",").append("{\"ErrorCode\":\"ProvisionedThroughputExceededException\","
          + "\"ErrorMessage\":\"Rate exceeded for shard in stream under account 000000000000.\"}");
    }
    return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }
}
