package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** KPL properties applied to the producer's builder: every KPL property mapped or refused by name. */
class KplPropertiesTest {
  /**
   * Every property {@code KinesisProducerConfiguration.fromProperties} of the KPL 1.0.7 reads: its setters taking a
   * string, number or boolean, as {@code javap} lists them (the setters taking objects cannot come from a file), with
   * a value the KPL accepts.
   */
  static final Map<String, String> KPL_1_0_7_PROPERTIES = Map.ofEntries(
      Map.entry("AggregationEnabled", "true"), Map.entry("AggregationMaxCount", "4294967295"),
      Map.entry("AggregationMaxSize", "51200"), Map.entry("CaCertPath", "/etc/ssl/certs"),
      Map.entry("CaCertFile", "ca.pem"), Map.entry("CloudwatchEndpoint", "monitoring.us-east-1.amazonaws.com"),
      Map.entry("CloudwatchPort", "443"), Map.entry("CollectionMaxCount", "500"),
      Map.entry("CollectionMaxSize", "5242880"), Map.entry("ConnectTimeout", "6000"),
      Map.entry("CredentialsRefreshDelay", "5000"), Map.entry("EnableCoreDumps", "false"),
      Map.entry("FailIfThrottled", "false"), Map.entry("KinesisEndpoint", "kinesis.us-east-1.amazonaws.com"),
      Map.entry("KinesisPort", "443"), Map.entry("LogLevel", "info"), Map.entry("MaxConnections", "24"),
      Map.entry("MaxUserRecordSize", "1048576"), Map.entry("MetricsGranularity", "shard"),
      Map.entry("MetricsLevel", "detailed"), Map.entry("MetricsNamespace", "KinesisProducerLibrary"),
      Map.entry("MetricsUploadDelay", "60000"), Map.entry("MinConnections", "1"),
      Map.entry("NativeExecutable", "/opt/kpl"), Map.entry("RateLimit", "150"),
      Map.entry("RecordMaxBufferedTime", "100"), Map.entry("RecordTtl", "30000"), Map.entry("Region", "us-east-1"),
      Map.entry("RequestTimeout", "6000"), Map.entry("TempDirectory", "/tmp"), Map.entry("VerifyCertificate", "true"),
      Map.entry("ProxyHost", "proxy"), Map.entry("ProxyPort", "3128"), Map.entry("ProxyUserName", "u"),
      Map.entry("ProxyPassword", "p"), Map.entry("StsEndpoint", "sts.amazonaws.com"), Map.entry("StsPort", "443"),
      Map.entry("ThreadingModel", "PER_REQUEST"), Map.entry("ThreadPoolSize", "0"),
      Map.entry("UserRecordTimeoutInMillis", "30000"), Map.entry("EnableOldestFutureTracker", "false"),
      Map.entry("ReturnUserRecordOnFailure", "false"), Map.entry("EnableDaemonHealthCheck", "true"),
      Map.entry("DaemonHealthCheckTimeoutMs", "60000"),
      Map.entry("GlueSchemaRegistryPropertiesFilePath", "gsr.properties"));

  private static KinesisProducer.Builder builder() {
    return KinesisProducer.builder(new FakeKinesis(), "stream");
  }

  @Test
  void everyKplPropertyIsMappedOrRefusedByName() {
    int mapped = 0;
    for (Map.Entry<String, String> property : KPL_1_0_7_PROPERTIES.entrySet()) {
      Properties one = new Properties();
      one.setProperty(property.getKey(), property.getValue());
      try {
        KplProperties.apply(one, builder());
        mapped++;
      } catch (IllegalArgumentException e) {
        String named = "KPL properties not applied (1 problem): " + property.getKey();
        assertTrue(e.getMessage().startsWith(named + " ") || e.getMessage().startsWith(named + "="), e.getMessage());
        assertTrue(!e.getMessage().contains("is not a KPL property"), "known to the KPL: " + e.getMessage());
      }
    }
    assertEquals(12, mapped, "the producer's own settings, with the KPL's defaults");
  }

  @Test
  void mappedSettingsReachTheBuilder() throws IOException {
    Properties properties = new Properties();
    properties.load(new StringReader(String.join("\n",
        "# a KPL file",
        "AggregationMaxCount = 1000",
        "AggregationMaxSize = 51200",
        "CollectionMaxCount = 100",
        "CollectionMaxSize = 2097152",
        "FailIfThrottled = true",
        "MaxConnections = 4",
        "MaxUserRecordSize = 2097152",
        "RateLimit = 90",
        "RecordMaxBufferedTime = 250",
        "RecordTtl = 60000",
        "RequestTimeout = 10000",
        "MetricsLevel = none")));
    KinesisProducer.Builder builder = builder();
    assertSame(builder, KplProperties.apply(properties, builder));
    assertEquals("KinesisProducer.Builder{stream=stream, maxRecordSize=2097152, maxAggregateSize=51200, "
        + "maxUserRecordsPerAggregate=1000, rateLimit=90, failIfThrottled=true, maxEntriesPerRequest=100, "
        + "maxRequestSize=2097152, maxBufferedTime=PT0.25S, maxBufferedBytes=67108864, maxInFlightRequests=4, "
        + "recordTimeout=PT1M, requestTimeout=PT10S, retryBackoff=PT0.1S..PT2S, "
        + "misroutePolicy=RESEND_WHOLE_AGGREGATE, maxBlockTime=PT1M, maxQueueTime=default, metrics=none, jmx=false}",
        builder.toString());

    Properties off = new Properties();
    off.setProperty("aggregationenabled", "false"); // any case
    assertTrue(KplProperties.apply(off, builder()).toString().contains("maxUserRecordsPerAggregate=1,"));
  }

  @Test
  void everyProblemIsReportedAtOnceAndTheBuilderIsUnchanged(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("kpl.properties");
    Files.write(file, List.of("RateLimit = 90", "RecordTtl = soon", "Region = eu-west-1", "LogLevel = debug",
        "Colour = blue", "MetricsLevel = detailed", "FailIfThrottled = yes"));
    KinesisProducer.Builder builder = builder();
    String before = builder.toString();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KplProperties.apply(file, builder));
    assertEquals("KPL properties not applied (6 problems): Colour is not a KPL property kpl-codec knows; "
        + "FailIfThrottled=yes: not true or false; "
        + "LogLevel configures the KPL's native process, which kpl-codec does not have: remove it; "
        + "MetricsLevel=detailed: kpl-codec-aws uploads no CloudWatch metrics itself: only MetricsLevel=none is "
        + "accepted here; to upload the KPL's metrics as the KPL does, read the CloudWatch properties with "
        + "kpl-codec-cloudwatch's KplCloudWatchSettings.fromProperties, set a CloudWatchMetricsPublisher as the "
        + "builder's metrics, and apply KplCloudWatchSettings.withoutCloudWatchProperties(properties) here; "
        + "RecordTtl=soon: not a whole number; "
        + "Region configures the Kinesis client, which is yours with kpl-codec: build your KinesisAsyncClient with "
        + "it, and remove it here", e.getMessage());
    assertEquals(before, builder.toString(), "nothing applied, not even RateLimit");
  }
}
