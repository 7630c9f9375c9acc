package io.kplcodec.cloudwatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.aws.KinesisProducer;
import io.kplcodec.aws.KplMetric;
import io.kplcodec.aws.KplProperties;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;

/**
 * The KPL's CloudWatch properties: defaults, parsing and validation as the KPL's, every problem named at once, the
 * rest left to kpl-codec-aws's {@code KplProperties} (which refuses these, pointing here).
 */
class KplCloudWatchSettingsTest {
  private static Properties properties(String... namesAndValues) {
    Properties properties = new Properties();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      properties.setProperty(namesAndValues[i], namesAndValues[i + 1]);
    }
    return properties;
  }

  @Test
  void absentPropertiesKeepTheKplsDefaults() {
    KplCloudWatchSettings settings = KplCloudWatchSettings.fromProperties(properties("RecordTtl", "5000"));
    assertEquals(KplCloudWatchSettings.defaults(), settings);
    assertEquals(KplMetric.Level.DETAILED, settings.level());
    assertEquals(KplMetric.Granularity.SHARD, settings.granularity());
    assertEquals("KinesisProducerLibrary", settings.namespace());
    assertEquals(Duration.ofMinutes(1), settings.uploadInterval());
    assertEquals(Optional.empty(), settings.endpointOverride());
  }

  @Test
  void everyPropertyIsReadInAnyCase() {
    KplCloudWatchSettings settings = KplCloudWatchSettings.fromProperties(properties("MetricsLevel", "summary",
        "metricsgranularity", "Stream", "MetricsNamespace", "Orders", "MetricsUploadDelay", " 15000 ",
        "CloudwatchEndpoint", "monitoring.example", "CloudwatchPort", "8443"));
    assertEquals(new KplCloudWatchSettings(KplMetric.Level.SUMMARY, KplMetric.Granularity.STREAM, "Orders",
        Duration.ofSeconds(15), "monitoring.example", 8443), settings);
    assertEquals(Optional.of(URI.create("https://monitoring.example:8443")), settings.endpointOverride(),
        "HTTPS to the host and port, as the KPL");
  }

  @Test
  void everyBadValueIsNamedTogether() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KplCloudWatchSettings.fromProperties(properties("MetricsLevel", "verbose", "MetricsGranularity",
            "host", "MetricsNamespace", "AWS/Kinesis", "MetricsUploadDelay", "60001", "CloudwatchEndpoint",
            "http://x", "CloudwatchPort", "70000")));
    assertEquals("KPL CloudWatch properties not applied (6 problems): "
        + "MetricsLevel must be one of none, summary, detailed, got verbose; "
        + "MetricsGranularity must be one of global, stream, shard, got host; "
        + "MetricsNamespace must be 1 to 255 characters, not starting with AWS/, got AWS/Kinesis; "
        + "MetricsUploadDelay must be between 1 and 60000 ms, got PT1M0.001S; "
        + "CloudwatchEndpoint must be a host name (letters, digits, dots, dashes), got http://x; "
        + "CloudwatchPort must be between 1 and 65535, got 70000", e.getMessage());
    assertEquals("KPL CloudWatch properties not applied (1 problem): MetricsUploadDelay must be a whole number, "
        + "got soon", assertThrows(IllegalArgumentException.class,
            () -> KplCloudWatchSettings.fromProperties(properties("MetricsUploadDelay", "soon"))).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> KplCloudWatchSettings.fromProperties(properties("CloudwatchPort", "8443"))).getMessage()
        .contains("CloudwatchPort=8443 needs CloudwatchEndpoint"));
    assertEquals(443, KplCloudWatchSettings.fromProperties(properties("CloudwatchPort", "443")).port(),
        "the default alone is fine");
  }

  @Test
  void theSettingsApplyToThePublisherAndTheClientAndTheRestToKplProperties() throws Exception {
    Properties kpl = properties("MetricsLevel", "summary", "MetricsGranularity", "global", "MetricsNamespace",
        "Orders", "MetricsUploadDelay", "1000", "CloudwatchEndpoint", "127.0.0.1", "CloudwatchPort", "9",
        "RecordTtl", "5000", "AggregationMaxSize", "51200");
    KplCloudWatchSettings settings = KplCloudWatchSettings.fromProperties(kpl);

    Properties rest = KplCloudWatchSettings.withoutCloudWatchProperties(kpl);
    assertEquals(properties("RecordTtl", "5000", "AggregationMaxSize", "51200"), rest);
    assertEquals(8, kpl.size(), "the caller's properties are left alone");
    try (KinesisAsyncClient kinesis = KinesisAsyncClient.builder().region(Region.US_EAST_1)
        .credentialsProvider(AnonymousCredentialsProvider.create()).build()) {
      KinesisProducer.Builder producer = KinesisProducer.builder(kinesis, "orders");
      KplProperties.apply(rest, producer); // accepted whole
      String refusal = assertThrows(IllegalArgumentException.class, () -> KplProperties.apply(kpl, producer))
          .getMessage();
      assertTrue(refusal.contains("MetricsNamespace is for CloudWatch metrics") && refusal.contains(
          "KplCloudWatchSettings"), refusal);
    }

    try (CloudWatchAsyncClient client = settings.applyTo(CloudWatchAsyncClient.builder().region(Region.US_EAST_1)
        .credentialsProvider(AnonymousCredentialsProvider.create())).build();
        CloudWatchMetricsPublisher publisher = settings.applyTo(CloudWatchMetricsPublisher.builder(client))
            .closeTimeout(Duration.ZERO).build()) {
      assertEquals(URI.create("https://127.0.0.1:9"),
          client.serviceClientConfiguration().endpointOverride().orElseThrow());
      assertEquals("CloudWatchMetricsPublisher(namespace=Orders, level=SUMMARY, granularity=GLOBAL, "
          + "uploadInterval=PT1S, Counters[requests=0, failedRequests=0, datumsUploaded=0, datumsRejected=0, "
          + "datumsDropped=0, datumsQueued=0])", publisher.toString());
    }
  }
}
