package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.local.LocalKinesis;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.Shard;

/** One producer, two streams of different shard counts, against kinesalite: each record once, in its own stream. */
@Timeout(120)
class ProducerStreamsTest {
  @Test
  void recordsForTwoStreamsEachLandOnceInTheirOwn() throws Exception {
    try (LocalKinesis kinesalite = Kinesalite.start(null);
        KinesisAsyncClient client = kinesalite.client()) {
      List<Shard> ordersShards = LocalKinesis.createStream(client, "orders", 2);
      List<Shard> auditShards = LocalKinesis.createStream(client, "audit", 3);
      int total = 20_000;
      List<CompletableFuture<PutResult>> futures = new ArrayList<>();
      ProducerCounters counters;
      try (KinesisProducer producer = KinesisProducer.builder(client, "orders").build()) {
        KinesisProducerException missing = assertThrows(KinesisProducerException.class,
            () -> producer.add("no-such-stream", "k", null, new byte[1]));
        assertTrue(missing.getMessage().contains("no-such-stream"), missing.getMessage());
        assertEquals(0, producer.outstandingRecords(), "nothing buffered for a stream that cannot be listed");
        for (int id = 0; id < total; id++) {
          byte[] data = (id + ";" + "x".repeat(id % 200)).getBytes(StandardCharsets.UTF_8);
          String key = "key-" + (id % 700);
          futures.add(id % 2 == 0 ? producer.add(key, data) : producer.add("audit", key, null, data));
        }
        producer.flush();
        counters = producer.counters();
        assertEquals(3, producer.shardMap("audit").size());
        assertEquals(2, producer.shardMap().size());
        assertThrows(IllegalArgumentException.class, () -> producer.shardMap("never-used"));
      }
      for (int id = 0; id < total; id++) {
        PutResult result = futures.get(id).join();
        List<Shard> shards = id % 2 == 0 ? ordersShards : auditShards;
        assertTrue(shards.stream().anyMatch(shard -> shard.shardId().equals(result.shardId())), result.toString());
      }
      int[] seen = new int[total];
      readInto(client, "orders", ordersShards, seen, 0);
      readInto(client, "audit", auditShards, seen, 1);
      for (int id = 0; id < total; id++) {
        assertEquals(1, seen[id], "user record " + id + " once, in its own stream");
      }
      assertEquals(total, counters.userRecordsPut(), counters.toString());
      System.out.printf("codec-aws two streams: %,d user records, half each; %s%n", total, counters);
    }
  }

  /** Counts each user record read from every shard of {@code stream}; its id's parity says which stream it was for. */
  private static void readInto(KinesisAsyncClient client, String stream, List<Shard> shards, int[] seen, int parity)
      throws Exception {
    for (Shard shard : shards) {
      for (DeaggregatedRecord record : SdkDeaggregator.create().forShard(shard)
          .deaggregate(LocalKinesis.readShard(client, stream, shard.shardId()))) {
        int id = ProducerEndToEndTest.idOf(record.dataBytes());
        assertEquals(parity, id % 2, "user record " + id + " in stream " + stream);
        seen[id]++;
      }
    }
  }
}
