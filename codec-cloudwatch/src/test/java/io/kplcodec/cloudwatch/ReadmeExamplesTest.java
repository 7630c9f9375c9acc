package io.kplcodec.cloudwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.aws.KinesisProducer;
import io.kplcodec.aws.KplMetric;
import io.kplcodec.aws.KplProperties;
import io.kplcodec.cloudwatch.FakeCloudWatch.Datum;
import io.kplcodec.local.LocalKinesis;
import io.kplcodec.local.testing.KinesaliteExtension;
import io.kplcodec.testing.ReadmeSnippets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;

/** The module README's snippets, verbatim between the marker comments, run against kinesalite and the fake. */
class ReadmeExamplesTest {
  @RegisterExtension
  static final KinesaliteExtension KINESALITE = new KinesaliteExtension();

  @Test
  void theSnippetsAppearInTheReadmeVerbatim() throws Exception {
    List<String> found = ReadmeSnippets.assertShown(Path.of("README.md"),
        ReadmeSnippets.in(Path.of("src/test/java/io/kplcodec/cloudwatch/ReadmeExamplesTest.java")), false);
    assertEquals(2, found.size());
  }

  @Test
  void thePublisherSnippetUploadsTheProducersMetrics() throws Exception {
    LocalKinesis.createStream(KINESALITE.client(), "orders", 1);
    KinesisAsyncClient kinesis = KINESALITE.client();
    byte[] order = "{\"order\":1}".getBytes(StandardCharsets.UTF_8);
    try (FakeCloudWatch fake = FakeCloudWatch.start(); CloudWatchAsyncClient cloudWatch = fake.client()) {
      // README:publisher start
      try (CloudWatchMetricsPublisher metrics = CloudWatchMetricsPublisher.builder(cloudWatch) // your client
          .namespace("Orders") // the KPL's MetricsNamespace (default KinesisProducerLibrary)
          .level(KplMetric.Level.SUMMARY) // MetricsLevel (default DETAILED)
          .granularity(KplMetric.Granularity.STREAM) // MetricsGranularity (default SHARD)
          .uploadInterval(Duration.ofSeconds(60)) // MetricsUploadDelay (default 60 s)
          .additionalDimension("Application", "orders-service", KplMetric.Granularity.GLOBAL)
          .build();
          KinesisProducer producer = KinesisProducer.builder(kinesis, "orders").metrics(metrics).build()) {
        producer.add("customer-1", order);
        producer.flush();
        System.out.println(metrics.counters()); // requests, failures, datums uploaded, rejected, dropped, queued
      } // the producer closes first, then the publisher uploads what is left; cloudWatch stays yours to close
      // README:publisher end

      assertEquals(1, fake.accepted().size(), "close() uploaded");
      assertEquals("Orders", fake.accepted().get(0).namespace());
      Datum put = fake.datums().stream().filter(d -> d.name().equals("UserRecordsPut")
          && d.dimensions().equals(Map.of("Application", "orders-service", "StreamName", "orders")))
          .findFirst().orElseThrow();
      assertEquals(1, put.sum());
      assertTrue(fake.datums().stream().noneMatch(d -> d.name().equals("UserRecordsDataPut")), "summary only");
    }
  }

  @Test
  void theKplPropertiesSnippetConfiguresTheClientThePublisherAndTheProducer() throws Exception {
    LocalKinesis.createStream(KINESALITE.client(), "payments", 1);
    KinesisAsyncClient kinesis = KINESALITE.client();
    Properties kplProperties = new Properties();
    kplProperties.setProperty("MetricsNamespace", "Payments");
    kplProperties.setProperty("MetricsGranularity", "global");
    kplProperties.setProperty("CloudwatchEndpoint", "127.0.0.1");
    kplProperties.setProperty("CloudwatchPort", "9");
    kplProperties.setProperty("RecordTtl", "10000");

    // README:kpl-properties start
    KplCloudWatchSettings settings = KplCloudWatchSettings.fromProperties(kplProperties);
    CloudWatchAsyncClient cloudWatch =
        settings.applyTo(CloudWatchAsyncClient.builder().region(Region.US_EAST_1)).build(); // CloudwatchEndpoint
    CloudWatchMetricsPublisher metrics = settings.applyTo(CloudWatchMetricsPublisher.builder(cloudWatch)).build();
    KinesisProducer.Builder builder = KinesisProducer.builder(kinesis, "payments").metrics(metrics);
    KplProperties.apply(KplCloudWatchSettings.withoutCloudWatchProperties(kplProperties), builder); // the rest
    // README:kpl-properties end

    assertTrue(builder.toString().contains("recordTimeout=PT10S"), builder.toString());
    assertEquals("https://127.0.0.1:9",
        cloudWatch.serviceClientConfiguration().endpointOverride().orElseThrow().toString());
    assertTrue(metrics.toString().startsWith("CloudWatchMetricsPublisher(namespace=Payments, level=DETAILED, "
        + "granularity=GLOBAL, uploadInterval=PT1M"), metrics.toString());
    metrics.close(); // nothing recorded: no request
    assertEquals(0, metrics.counters().requests());
    cloudWatch.close();
  }
}
