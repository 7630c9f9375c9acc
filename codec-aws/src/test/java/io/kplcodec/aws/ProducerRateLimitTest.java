package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.kplcodec.HashKeyRange;
import io.kplcodec.local.LocalKinesis;
import io.kplcodec.local.testing.KinesaliteExtension;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * The per-shard rate limit against a stream that throttles as the service does: kinesalite behind a proxy that keeps
 * each shard's token buckets at the service's limits (1,000 records and 1 MiB a second, a second's worth at most)
 * and refuses each PutRecords entry that would exceed them ({@code ProvisionedThroughputExceededException}, not
 * stored), storing the others. 4 MB go to one shard as fast as the producer lets them.
 */
@Timeout(120)
class ProducerRateLimitTest {
  private static final int RECORDS = 20_000;
  private static final int DATA_BYTES = 200;

  @RegisterExtension
  static final KinesaliteExtension KINESALITE = new KinesaliteExtension();
  private static KinesaliteProxy proxy;
  /** The shards the proxy limits, by stream; set before each stream gets traffic. */
  private static final Map<String, ShardLimits> limits = new java.util.concurrent.ConcurrentHashMap<>();
  /** The stream being written now (one at a time: JUnit runs this class's tests one after another). */
  private static volatile String currentStream;

  @BeforeAll
  static void start() throws Exception {
    proxy = KinesaliteProxy.startPartial(KINESALITE.port(), ProducerRateLimitTest::throttleOverTheLimits);
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void underTheLimitNothingIsThrottled() throws Exception {
    Run run = produce("limited", builder -> builder.rateLimit(90));
    assertEquals(RECORDS, run.put, run.toString());
    // Near zero, not zero: the proxy's buckets see calls when they arrive, so a delayed call followed by a prompt one
    // looks like a burst (1 of 67 entries once, on a loaded machine; 185-270 without the limit).
    assertTrue(run.throttledEntries <= 3, "a producer held to 90% of the shard's limits is (almost) never "
        + "throttled: " + run);
    assertTrue(run.seconds > 3, "4 MB at 0.9 MiB/s after a 0.9 MiB burst take over 3 s: " + run);
  }

  @Test
  void withoutTheLimitTheShardThrottlesAndRetriesPutEverything() throws Exception {
    Run run = produce("unlimited", builder -> builder.rateLimit(1_000_000));
    assertEquals(RECORDS, run.put, run.toString());
    assertTrue(run.throttledEntries >= 10, "the proxy throttles a producer that ignores the limits: " + run);
  }

  @Test
  void failIfThrottledFailsThrottledRecordsWhichAreNotInTheStream() throws Exception {
    Run run = produce("fail-if-throttled", builder -> builder.rateLimit(1_000_000).failIfThrottled(true));
    assertTrue(run.failed > 0, run.toString());
    assertEquals(RECORDS, run.put + run.failed, run.toString());
    assertEquals(0, run.failedStoredOrFlagged, "a throttled record is not stored, and says so: " + run);
  }

  /** What one producer run did, read back from the stream. */
  private record Run(int put, int failed, int failedStoredOrFlagged, int throttledEntries, double seconds,
      ProducerCounters counters) {}

  private Run produce(String stream, java.util.function.UnaryOperator<KinesisProducer.Builder> settings)
      throws Exception {
    List<Shard> shards = LocalKinesis.createStream(KINESALITE.client(), stream, 1);
    ShardLimits shardLimits = new ShardLimits(shards);
    limits.put(stream, shardLimits);
    currentStream = stream;
    List<CompletableFuture<PutResult>> futures = new ArrayList<>();
    long began = System.nanoTime();
    ProducerCounters counters;
    try (KinesisAsyncClient client = proxy.client();
        KinesisProducer producer = settings.apply(KinesisProducer.builder(client, stream)
            .retryBackoff(java.time.Duration.ofMillis(50), java.time.Duration.ofMillis(500))).build()) {
      for (int id = 0; id < RECORDS; id++) {
        byte[] data = new byte[DATA_BYTES];
        byte[] head = (id + ";").getBytes(StandardCharsets.UTF_8);
        System.arraycopy(head, 0, data, 0, head.length);
        futures.add(producer.add("key-" + (id % 500), data));
      }
      producer.flush();
      counters = producer.counters();
    }
    double seconds = (System.nanoTime() - began) / 1e9;
    int[] stored = new int[RECORDS];
    for (DeaggregatedRecord record : SdkDeaggregator.create().forShard(shards.get(0))
        .deaggregate(LocalKinesis.readShard(KINESALITE.client(), stream, shards.get(0).shardId()))) {
      stored[ProducerEndToEndTest.idOf(record.dataBytes())]++;
    }
    int put = 0;
    int failed = 0;
    int failedStoredOrFlagged = 0;
    for (int id = 0; id < RECORDS; id++) {
      CompletableFuture<PutResult> future = futures.get(id);
      assertTrue(future.isDone());
      if (future.isCompletedExceptionally()) {
        failed++;
        KinesisProducerException e = assertInstanceOf(KinesisProducerException.class,
            assertThrowsCompletion(future).getCause());
        assertEquals(KinesisProducerException.Reason.THROTTLED, e.reason(), e.getMessage());
        if (stored[id] != 0 || e.mayHaveBeenStored()) {
          failedStoredOrFlagged++;
        }
      } else {
        put++;
        assertEquals(1, stored[id], "user record " + id + " put: stored once");
      }
    }
    Run run = new Run(put, failed, failedStoredOrFlagged, shardLimits.throttledEntries.get(), seconds, counters);
    System.out.printf("codec-aws rate limit (%s): %s%n", stream, run);
    return run;
  }

  private static CompletionException assertThrowsCompletion(CompletableFuture<PutResult> future) {
    try {
      future.join();
    } catch (CompletionException e) {
      return e;
    }
    throw new AssertionError("not failed: " + future);
  }

  /** The proxy's choice for each entry: refused (throttled) if it would take its shard over the limits. */
  private static String throttleOverTheLimits(JsonNode entry) {
    ShardLimits shardLimits = limits.get(currentStream);
    return shardLimits == null || shardLimits.tryTake(entry) ? null : "ProvisionedThroughputExceededException";
  }

  /** A stream's shards at the service's limits: token buckets of a second's worth, refilled continuously. */
  private static final class ShardLimits {
    private final List<Shard> shards;
    private final Map<String, double[]> buckets = new HashMap<>(); // records, bytes, last refill (ns)
    final AtomicInteger throttledEntries = new AtomicInteger();

    ShardLimits(List<Shard> shards) {
      this.shards = shards;
    }

    /** Takes an entry from its shard's buckets if it fits now. */
    synchronized boolean tryTake(JsonNode entry) {
      long now = System.nanoTime();
      String partitionKey = entry.get("PartitionKey").asText();
      String explicitHashKey = entry.hasNonNull("ExplicitHashKey") ? entry.get("ExplicitHashKey").asText() : null;
      String base64 = entry.get("Data").asText();
      long bytes = base64.length() / 4 * 3 - (base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0)
          + partitionKey.getBytes(StandardCharsets.UTF_8).length;
      double[] bucket = buckets.computeIfAbsent(shardOf(partitionKey, explicitHashKey),
          id -> new double[] {ShardRateLimiter.SHARD_RECORDS_PER_SECOND, ShardRateLimiter.SHARD_BYTES_PER_SECOND, now});
      double seconds = (now - bucket[2]) / (double) TimeUnit.SECONDS.toNanos(1);
      bucket[0] = Math.min(ShardRateLimiter.SHARD_RECORDS_PER_SECOND,
          bucket[0] + seconds * ShardRateLimiter.SHARD_RECORDS_PER_SECOND);
      bucket[1] = Math.min(ShardRateLimiter.SHARD_BYTES_PER_SECOND,
          bucket[1] + seconds * ShardRateLimiter.SHARD_BYTES_PER_SECOND);
      bucket[2] = now;
      if (bucket[0] < 1 || bucket[1] < bytes) {
        throttledEntries.incrementAndGet();
        return false;
      }
      bucket[0]--;
      bucket[1] -= bytes;
      return true;
    }

    private String shardOf(String partitionKey, String explicitHashKey) {
      for (Shard shard : shards) {
        if (HashKeyRange.of(shard.hashKeyRange().startingHashKey(), shard.hashKeyRange().endingHashKey())
            .containsRecord(partitionKey, explicitHashKey)) {
          return shard.shardId();
        }
      }
      throw new IllegalStateException("no shard for " + partitionKey + "/" + explicitHashKey);
    }
  }
}
