package io.kplcodec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.testing.ReadmeSnippets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The README's quick-start snippets, verbatim between the marker comments, so that they are known to work. */
class ReadmeExamplesTest {
  /** What the aggregate snippet's {@code send} was given, copied: the record is released right after. */
  private record Sent(String partitionKey, String explicitHashKey, byte[] data) {}

  private final List<Sent> sent = new ArrayList<>();

  /** Stands for an asynchronous PutRecords call: reads the bytes only when the call "completes", later. */
  private final List<Runnable> inFlight = new ArrayList<>();

  private CompletableFuture<Void> send(String partitionKey, String explicitHashKey, ByteBuffer data) {
    CompletableFuture<Void> completion = new CompletableFuture<>();
    inFlight.add(() -> {
      byte[] copy = new byte[data.remaining()];
      data.duplicate().get(copy); // throws or reads another record's bytes if released too early
      sent.add(new Sent(partitionKey, explicitHashKey, copy));
      completion.complete(null);
    });
    return completion;
  }

  @Test
  void aggregate() {
    // README:aggregate start
    // The stream's open shards, as ListShards reports them (leave closed parents out); rebuild it after a reshard.
    ShardMap shards = ShardMap.builder()
        .add("shardId-000000000000", "0", "170141183460469231731687303715884105727")
        .add("shardId-000000000001", "170141183460469231731687303715884105728",
            "340282366920938463463374607431768211455")
        .build();
    Aggregator aggregator = Aggregator.builder().shardMap(shards).build(); // per shard, 1 MiB records

    List<KinesisRecord> toSend = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      byte[] event = ("{\"order\":" + i + "}").getBytes(StandardCharsets.UTF_8);
      KinesisRecord full = aggregator.add("customer-" + (i % 10), event);
      if (full != null) {
        toSend.add(full); // an aggregate filled up
      }
    }
    toSend.addAll(aggregator.flush()); // whatever is still pending

    for (KinesisRecord record : toSend) {
      // Your PutRecords entry. Release a record only once its request has completed: the SDK may still read data().
      send(record.partitionKey(), record.explicitHashKey(), record.data())
          .whenComplete((response, error) -> record.release()); // its buffer goes back to the pool
    }
    // README:aggregate end

    assertEquals(2, toSend.size(), "one aggregate per shard: the ten keys hash into both halves");
    assertTrue(toSend.stream().noneMatch(KinesisRecord::isReleased), "nothing released before its request ends");
    inFlight.forEach(Runnable::run);
    assertTrue(toSend.stream().allMatch(KinesisRecord::isReleased));
    assertEquals(2, sent.size());
    int userRecords = 0;
    for (Sent aggregate : sent) {
      HashKeyRange range = shards.range(shards.shardIdFor(aggregate.partitionKey(), aggregate.explicitHashKey()));
      List<UserRecord> users = Deaggregator.builder().hashRange(range)
          .hashRangePolicy(Deaggregator.HashRangePolicy.DROP_WHOLE_AGGREGATE).build().deaggregate(aggregate.data());
      assertEquals(Classification.AGGREGATED, Deaggregator.create().classify(aggregate.data()));
      userRecords += users.size(); // KCL's filter drops none: every user record lies in the shard it lands on
    }
    assertEquals(1000, userRecords);
    assertEquals(0, aggregator.pendingUserRecordCount());
  }

  @Test
  void deaggregate() {
    Aggregator producer = Aggregator.builder().build();
    producer.add("sensor-1", null, "21.5".getBytes(StandardCharsets.UTF_8));
    producer.add("sensor-2", null, "19.0".getBytes(StandardCharsets.UTF_8));
    byte[] kinesisRecordData = producer.flush().get(0).dataBytes(); // what GetRecords or Lambda hands you

    // README:deaggregate start
    Deaggregator deaggregator = Deaggregator.create(); // immutable and thread-safe: share one

    List<String> readings = new ArrayList<>();
    for (UserRecord userRecord : deaggregator.deaggregate(kinesisRecordData)) {
      String key = userRecord.partitionKey(); // null if the record was not aggregated: use the Kinesis record's key
      String value = new String(userRecord.dataBytes(), StandardCharsets.UTF_8);
      readings.add(key + "=" + value);
    }
    // README:deaggregate end

    assertEquals(List.of("sensor-1=21.5", "sensor-2=19.0"), readings);
  }

  @Test
  void batch() {
    // README:batch start
    List<KinesisRecord> records = new ArrayList<>();
    for (int i = 0; i < 1200; i++) {
      records.add(KinesisRecord.of("device-" + i, null, new byte[1024])); // or an Aggregator's output
    }

    PutRecordsBatcher batcher = PutRecordsBatcher.builder().build(); // 500 entries, 5 MiB per request
    List<List<KinesisRecord>> requests = batcher.split(records).requests();
    for (List<KinesisRecord> request : requests) {
      // one PutRecords call per request, entries in this order
    }
    // README:batch end

    assertEquals(List.of(500, 500, 200), requests.stream().map(List::size).toList());
  }

  @Test
  void readmeShowsTheseSnippetsVerbatim() throws IOException {
    List<String> found = ReadmeSnippets.assertShown(Path.of("../README.md"),
        ReadmeSnippets.in(Path.of("src/test/java/io/kplcodec/ReadmeExamplesTest.java")), false);
    assertEquals(3, found.size());
  }
}
