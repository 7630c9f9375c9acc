package io.kplcodec.cloudwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.aws.KinesisProducer;
import io.kplcodec.aws.ProducerCounters;
import io.kplcodec.aws.PutResult;
import io.kplcodec.cloudwatch.FakeCloudWatch.Datum;
import io.kplcodec.local.LocalKinesis;
import io.kplcodec.local.testing.KinesaliteExtension;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;

/**
 * End to end: kpl-codec-aws's real {@link KinesisProducer} writing to kinesalite with the publisher as its metrics
 * listener, uploading every half second to {@link FakeCloudWatch} through a real SDK client; what CloudWatch received
 * adds up to what the producer did.
 */
class PublisherEndToEndTest {
  @RegisterExtension
  static final KinesaliteExtension KINESALITE = new KinesaliteExtension();

  @Test
  void theUploadedUserRecordsPutAreTheRecordsPut() throws Exception {
    String stream = "metered";
    LocalKinesis.createStream(KINESALITE.client(), stream, 2);
    int total = 5_000;
    List<CompletableFuture<PutResult>> results = new ArrayList<>();
    ProducerCounters counters;
    try (FakeCloudWatch fake = FakeCloudWatch.start(); CloudWatchAsyncClient cloudWatch = fake.client()) {
      try (CloudWatchMetricsPublisher publisher = CloudWatchMetricsPublisher.builder(cloudWatch)
          .uploadInterval(Duration.ofMillis(500)).build()) {
        try (KinesisProducer producer = KinesisProducer.builder(KINESALITE.client(), stream)
            .metrics(publisher).build()) {
          for (int i = 0; i < total; i++) {
            results.add(producer.add("customer-" + (i % 50), ("order " + i).getBytes(StandardCharsets.UTF_8)));
            if (i == total / 2) {
              Thread.sleep(600); // an interval passes mid-way: the uploads are several
            }
          }
          producer.flush();
          counters = producer.counters();
        } // the producer first, so that its last events are in before the publisher's last upload
      }
      assertEquals(List.of(), fake.protocolErrors());
      Map<String, Integer> putPerShard = new HashMap<>();
      for (CompletableFuture<PutResult> result : results) {
        putPerShard.merge(result.join().shardId(), 1, Integer::sum);
      }
      List<Datum> datums = fake.datums();
      assertTrue(fake.accepted().size() >= 2, "uploads during the run and at close: " + fake.accepted().size());
      assertEquals(total, sum(datums, "UserRecordsPut", Map.of()));
      assertEquals(total, sum(datums, "UserRecordsPut", Map.of("StreamName", stream)));
      assertEquals(total, sum(datums, "UserRecordsReceived", Map.of()));
      assertEquals(2, putPerShard.size());
      for (Map.Entry<String, Integer> shard : putPerShard.entrySet()) {
        assertEquals(shard.getValue().doubleValue(), sum(datums, "UserRecordsPut",
            Map.of("StreamName", stream, "ShardId", shard.getKey())), shard.getKey());
      }
      assertEquals(counters.putRecordsRequests(), count(datums, "RequestTime", Map.of()));
      assertEquals(counters.kinesisRecordsSent(), count(datums, "KinesisRecordsPut", Map.of()),
          "one data point per Kinesis record sent (no failure here)");
      System.out.printf("codec-cloudwatch end to end: %d user records put, %d PutMetricData requests, %d datums%n",
          total, fake.accepted().size(), datums.size());
    }
  }

  private static double sum(List<Datum> datums, String name, Map<String, String> dimensions) {
    return datums.stream().filter(d -> d.name().equals(name) && d.dimensions().equals(dimensions))
        .mapToDouble(Datum::sum).sum();
  }

  private static long count(List<Datum> datums, String name, Map<String, String> dimensions) {
    return (long) datums.stream().filter(d -> d.name().equals(name) && d.dimensions().equals(dimensions))
        .mapToDouble(Datum::sampleCount).sum();
  }
}
