package io.kplcodec.aws;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A KPL configuration (the properties file of {@code KinesisProducerConfiguration.fromPropertiesFile}, one property
 * per setter, names as the KPL documents them) applied to a {@link KinesisProducer.Builder}, for moving over without
 * rewriting it. Every property the KPL knows is either mapped to the builder setting that does the same or refused,
 * with a message naming it and saying what to do instead:
 *
 * <ul>
 *   <li>settings of the producer: {@code AggregationEnabled}, {@code AggregationMaxCount}, {@code
 *       AggregationMaxSize}, {@code CollectionMaxCount}, {@code CollectionMaxSize}, {@code FailIfThrottled}, {@code
 *       MaxConnections} (calls in flight), {@code MaxUserRecordSize}, {@code RateLimit}, {@code
 *       RecordMaxBufferedTime}, {@code RecordTtl}, {@code RequestTimeout}, and {@code MetricsLevel=none};
 *   <li>refused, as they configure the client, which is yours ({@code Region}, {@code KinesisEndpoint}, {@code
 *       KinesisPort}, {@code VerifyCertificate}, {@code CaCertPath}, {@code CaCertFile}, {@code ConnectTimeout},
 *       {@code MinConnections}, the proxy and STS settings, {@code CredentialsRefreshDelay}): build your {@code
 *       KinesisAsyncClient} with them;
 *   <li>refused, as they configure the KPL's native process, which kpl-codec does not have ({@code LogLevel}, {@code
 *       NativeExecutable}, {@code TempDirectory}, {@code EnableCoreDumps}, {@code ThreadingModel}, {@code
 *       ThreadPoolSize}, the daemon health check): remove them;
 *   <li>refused, as they configure CloudWatch uploads, which need a CloudWatch client ({@code MetricsLevel} other
 *       than {@code none}, {@code MetricsGranularity}, {@code MetricsNamespace}, {@code MetricsUploadDelay}, {@code
 *       CloudwatchEndpoint}, {@code CloudwatchPort}): the module kpl-codec-cloudwatch reads them ({@code
 *       KplCloudWatchSettings}) for its {@code CloudWatchMetricsPublisher}, the producer's metrics listener;
 *   <li>refused as not supported: the Glue Schema Registry,
 *       and the Java side's future tracker and record return ({@code EnableOldestFutureTracker}, {@code
 *       UserRecordTimeoutInMillis}, {@code ReturnUserRecordOnFailure}), which kpl-codec needs not: every future
 *       completes, within {@code RecordTtl}.
 * </ul>
 *
 * <p>All problems are reported together, in one {@link IllegalArgumentException}, and the builder is changed only if
 * there is none. The repository's codec-aws README has the table. Thread-safe: stateless.
 */
public final class KplProperties {
  /** How one KPL property is applied, or why it is refused. */
  private interface Setting {
    void apply(KinesisProducer.Builder builder, String value);
  }

  /** How to have the KPL's CloudWatch properties honoured: the module that has a CloudWatch client. */
  private static final String CLOUDWATCH = "to upload the KPL's metrics as the KPL does, read the CloudWatch "
      + "properties with kpl-codec-cloudwatch's KplCloudWatchSettings.fromProperties, set a "
      + "CloudWatchMetricsPublisher as the builder's metrics, and apply "
      + "KplCloudWatchSettings.withoutCloudWatchProperties(properties) here";
  private static final Map<String, Setting> SETTINGS = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
  private static final Map<String, String> REFUSED = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);

  static {
    SETTINGS.put("AggregationEnabled", (b, v) -> {
      if (!bool(v)) {
        b.maxUserRecordsPerAggregate(1); // every user record alone, sent raw as the KPL does without aggregation
      }
    });
    SETTINGS.put("AggregationMaxCount", (b, v) -> b.maxUserRecordsPerAggregate(intAtMost(v)));
    SETTINGS.put("AggregationMaxSize", (b, v) -> b.maxAggregateSize(intAtMost(v)));
    SETTINGS.put("CollectionMaxCount", (b, v) -> b.maxEntriesPerRequest(intAtMost(v)));
    SETTINGS.put("CollectionMaxSize", (b, v) -> b.maxRequestSize(intAtMost(v)));
    SETTINGS.put("FailIfThrottled", (b, v) -> b.failIfThrottled(bool(v)));
    SETTINGS.put("MaxConnections", (b, v) -> b.maxInFlightRequests(intAtMost(v)));
    SETTINGS.put("MaxUserRecordSize", (b, v) -> b.maxRecordSize(intAtMost(v)));
    SETTINGS.put("RateLimit", (b, v) -> b.rateLimit(intAtMost(v)));
    SETTINGS.put("RecordMaxBufferedTime", (b, v) -> b.maxBufferedTime(Duration.ofMillis(number(v))));
    SETTINGS.put("RecordTtl", (b, v) -> b.recordTimeout(Duration.ofMillis(number(v))));
    SETTINGS.put("RequestTimeout", (b, v) -> b.requestTimeout(Duration.ofMillis(number(v))));
    SETTINGS.put("MetricsLevel", (b, v) -> {
      if (!v.trim().equalsIgnoreCase("none")) {
        throw new IllegalArgumentException("kpl-codec-aws uploads no CloudWatch metrics itself: only "
            + "MetricsLevel=none is accepted here; " + CLOUDWATCH);
      }
    });

    String client = "configures the Kinesis client, which is yours with kpl-codec: build your KinesisAsyncClient with "
        + "it, and remove it here";
    for (String name : List.of("Region", "KinesisEndpoint", "KinesisPort", "VerifyCertificate", "CaCertPath",
        "CaCertFile", "ConnectTimeout", "MinConnections", "ProxyHost", "ProxyPort", "ProxyUserName", "ProxyPassword",
        "StsEndpoint", "StsPort", "CredentialsRefreshDelay")) {
      REFUSED.put(name, client);
    }
    String daemon = "configures the KPL's native process, which kpl-codec does not have: remove it";
    for (String name : List.of("LogLevel", "NativeExecutable", "TempDirectory", "EnableCoreDumps", "ThreadingModel",
        "ThreadPoolSize", "EnableDaemonHealthCheck", "DaemonHealthCheckTimeoutMs")) {
      REFUSED.put(name, daemon);
    }
    String metrics = "is for CloudWatch metrics, which kpl-codec-aws does not upload itself: " + CLOUDWATCH;
    for (String name : List.of("CloudwatchEndpoint", "CloudwatchPort", "MetricsGranularity", "MetricsNamespace",
        "MetricsUploadDelay")) {
      REFUSED.put(name, metrics);
    }
    String futures = "is for the KPL's tracking of futures its native process may not complete; every kpl-codec "
        + "future completes, within RecordTtl: remove it";
    REFUSED.put("EnableOldestFutureTracker", futures);
    REFUSED.put("UserRecordTimeoutInMillis", futures);
    REFUSED.put("ReturnUserRecordOnFailure", "is not supported: a kpl-codec caller still holds the record it added;"
        + " remove it");
    REFUSED.put("GlueSchemaRegistryPropertiesFilePath", "is not supported: kpl-codec has no Glue Schema Registry "
        + "integration; remove it");
  }

  private KplProperties() {}

  /**
   * Applies a KPL properties file to {@code builder}.
   *
   * @param file a {@code .properties} file as the KPL reads it
   * @param builder the builder to configure
   * @return {@code builder}
   * @throws IOException if the file cannot be read
   * @throws IllegalArgumentException naming every property that is unknown, refused or has a bad value; the
   *     builder is unchanged then
   */
  public static KinesisProducer.Builder apply(Path file, KinesisProducer.Builder builder) throws IOException {
    Properties properties = new Properties();
    try (InputStream in = Files.newInputStream(file)) {
      properties.load(in);
    }
    return apply(properties, builder);
  }

  /**
   * Applies KPL properties to {@code builder}; names are the KPL setters' without {@code set}, in any case.
   *
   * @param properties the KPL's property names and values
   * @param builder the builder to configure
   * @return {@code builder}
   * @throws IllegalArgumentException naming every property that is unknown, refused or has a bad value; the
   *     builder is unchanged then
   */
  public static KinesisProducer.Builder apply(Properties properties, KinesisProducer.Builder builder) {
    Objects.requireNonNull(properties, "properties");
    Objects.requireNonNull(builder, "builder");
    List<String> problems = new ArrayList<>();
    // First on a scratch builder, so that a bad file changes nothing.
    KinesisProducer.Builder scratch = builder.copy();
    for (String name : new TreeSet<>(properties.stringPropertyNames())) {
      String value = properties.getProperty(name);
      Setting setting = SETTINGS.get(name);
      if (setting == null) {
        String refusal = REFUSED.get(name);
        problems.add(name + " " + (refusal != null ? refusal : "is not a KPL property kpl-codec knows"));
        continue;
      }
      try {
        setting.apply(scratch, value);
      } catch (IllegalArgumentException e) {
        problems.add(name + "=" + value + ": " + e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("KPL properties not applied (" + problems.size() + " problem"
          + (problems.size() == 1 ? "" : "s") + "): " + String.join("; ", problems));
    }
    for (String name : properties.stringPropertyNames()) {
      SETTINGS.get(name).apply(builder, properties.getProperty(name));
    }
    return builder;
  }

  private static long number(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a whole number");
    }
  }

  /** A count or size: the builder takes ints; a larger KPL value (its "no limit" defaults) means no limit. */
  private static int intAtMost(String value) {
    long number = number(value);
    return number > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) number;
  }

  private static boolean bool(String value) {
    String trimmed = value.trim().toLowerCase(Locale.ROOT);
    if (!trimmed.equals("true") && !trimmed.equals("false")) {
      throw new IllegalArgumentException("not true or false");
    }
    return trimmed.equals("true");
  }
}
