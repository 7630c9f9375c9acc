package io.kplcodec.cloudwatch;

import io.kplcodec.aws.KplMetric;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClientBuilder;

/**
 * The KPL's CloudWatch settings, read from its properties (a {@code KinesisProducerConfiguration} properties file):
 * {@code MetricsLevel}, {@code MetricsGranularity}, {@code MetricsNamespace} and {@code MetricsUploadDelay} for the
 * {@link CloudWatchMetricsPublisher}, {@code CloudwatchEndpoint} and {@code CloudwatchPort} for the CloudWatch client,
 * each with the KPL's default and validation. kpl-codec-aws's {@code KplProperties} refuses these properties (it has
 * no CloudWatch client); apply the rest there:
 *
 * <pre>{@code
 * KplCloudWatchSettings settings = KplCloudWatchSettings.fromProperties(properties);
 * CloudWatchAsyncClient cloudWatch = settings.applyTo(CloudWatchAsyncClient.builder().region(region)).build();
 * CloudWatchMetricsPublisher publisher = settings.applyTo(CloudWatchMetricsPublisher.builder(cloudWatch)).build();
 * KinesisProducer.Builder producer = KinesisProducer.builder(kinesis, "orders").metrics(publisher);
 * KplProperties.apply(KplCloudWatchSettings.withoutCloudWatchProperties(properties), producer);
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param level {@code MetricsLevel} (default detailed)
 * @param granularity {@code MetricsGranularity} (default shard)
 * @param namespace {@code MetricsNamespace} (default {@code KinesisProducerLibrary})
 * @param uploadInterval {@code MetricsUploadDelay} (default 60,000 ms; 1 to 60,000 ms)
 * @param endpoint {@code CloudwatchEndpoint}, a host name, or empty (default) for the region's
 * @param port {@code CloudwatchPort} (default 443), used with {@code endpoint}
 */
public record KplCloudWatchSettings(KplMetric.Level level, KplMetric.Granularity granularity, String namespace,
    Duration uploadInterval, String endpoint, int port) {
  /** The KPL's properties read here, in the KPL's spelling; matched in any case, as the KPL does. */
  public static final List<String> PROPERTY_NAMES = List.of("MetricsLevel", "MetricsGranularity", "MetricsNamespace",
      "MetricsUploadDelay", "CloudwatchEndpoint", "CloudwatchPort");

  private static final Pattern NAMESPACE = Pattern.compile("(?!AWS/).{1,255}");
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9-.]*");

  /**
   * Checks the settings as the KPL does.
   *
   * @param level the level
   * @param granularity the granularity
   * @param namespace 1 to 255 characters, not starting with {@code AWS/}
   * @param uploadInterval 1 to 60,000 ms
   * @param endpoint letters, digits, dots and dashes, or empty
   * @param port 1 to 65535
   * @throws IllegalArgumentException naming the first setting out of range
   */
  public KplCloudWatchSettings {
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(granularity, "granularity");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(uploadInterval, "uploadInterval");
    Objects.requireNonNull(endpoint, "endpoint");
    if (!NAMESPACE.matcher(namespace).matches()) {
      throw new IllegalArgumentException("MetricsNamespace must be 1 to 255 characters, not starting with AWS/, got "
          + namespace);
    }
    long millis = uploadInterval.toMillis();
    if (millis < 1 || millis > 60_000 || !uploadInterval.equals(Duration.ofMillis(millis))) {
      throw new IllegalArgumentException("MetricsUploadDelay must be between 1 and 60000 ms, got " + uploadInterval);
    }
    if (!HOST.matcher(endpoint).matches()) {
      throw new IllegalArgumentException("CloudwatchEndpoint must be a host name (letters, digits, dots, dashes), got "
          + endpoint);
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("CloudwatchPort must be between 1 and 65535, got " + port);
    }
  }

  /**
   * The KPL's defaults: detailed, shard, {@code KinesisProducerLibrary}, 60 s, the region's endpoint.
   *
   * @return the defaults
   */
  public static KplCloudWatchSettings defaults() {
    return new KplCloudWatchSettings(KplMetric.Level.DETAILED, KplMetric.Granularity.SHARD, "KinesisProducerLibrary",
        Duration.ofMinutes(1), "", 443);
  }

  /**
   * Reads the CloudWatch properties ({@link #PROPERTY_NAMES}, in any case); the others are left alone. An absent
   * property keeps the KPL's default.
   *
   * @param properties KPL properties
   * @return the settings
   * @throws IllegalArgumentException naming every property with a bad value, and {@code CloudwatchPort} other than
   *     443 without {@code CloudwatchEndpoint} (the region's endpoint is the SDK's to choose); nothing is read then
   */
  public static KplCloudWatchSettings fromProperties(Properties properties) {
    Objects.requireNonNull(properties, "properties");
    Map<String, String> values = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (String name : properties.stringPropertyNames()) {
      if (isCloudWatchProperty(name)) {
        values.put(name, properties.getProperty(name).trim());
      }
    }
    KplCloudWatchSettings d = defaults();
    List<String> problems = new ArrayList<>();
    KplMetric.Level level = d.level();
    KplMetric.Granularity granularity = d.granularity();
    Duration interval = d.uploadInterval();
    int port = d.port();
    try {
      level = values.containsKey("MetricsLevel") ? KplMetric.Level.fromKpl(values.get("MetricsLevel")) : level;
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
    }
    try {
      granularity = values.containsKey("MetricsGranularity")
          ? KplMetric.Granularity.fromKpl(values.get("MetricsGranularity")) : granularity;
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
    }
    try {
      interval = values.containsKey("MetricsUploadDelay")
          ? Duration.ofMillis(number("MetricsUploadDelay", values.get("MetricsUploadDelay"))) : interval;
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
    }
    try {
      long number = values.containsKey("CloudwatchPort") ? number("CloudwatchPort", values.get("CloudwatchPort")) : 443;
      port = number < 1 || number > 65535 ? 0 : (int) number;
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
    }
    String namespace = values.getOrDefault("MetricsNamespace", d.namespace());
    String endpoint = values.getOrDefault("CloudwatchEndpoint", d.endpoint());
    // The record's checks, one at a time, so that every problem is named.
    check(problems,
        () -> new KplCloudWatchSettings(d.level(), d.granularity(), namespace, d.uploadInterval(), "", 443));
    Duration checkedInterval = interval;
    check(problems, () -> new KplCloudWatchSettings(d.level(), d.granularity(), d.namespace(), checkedInterval, "",
        443));
    check(problems, () -> new KplCloudWatchSettings(d.level(), d.granularity(), d.namespace(), d.uploadInterval(),
        endpoint, 443));
    if (port == 0) {
      problems.add("CloudwatchPort must be between 1 and 65535, got " + values.get("CloudwatchPort"));
    } else if (port != 443 && endpoint.isEmpty()) {
      problems.add("CloudwatchPort=" + port + " needs CloudwatchEndpoint: without it the SDK picks the region's "
          + "endpoint, on 443");
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("KPL CloudWatch properties not applied (" + problems.size() + " problem"
          + (problems.size() == 1 ? "" : "s") + "): " + String.join("; ", problems));
    }
    return new KplCloudWatchSettings(level, granularity, namespace, interval, endpoint, port);
  }

  private static void check(List<String> problems, Runnable construction) {
    try {
      construction.run();
    } catch (IllegalArgumentException e) {
      problems.add(e.getMessage());
    }
  }

  private static long number(String name, String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, got " + value);
    }
  }

  private static boolean isCloudWatchProperty(String name) {
    for (String known : PROPERTY_NAMES) {
      if (known.equalsIgnoreCase(name)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The properties without the CloudWatch ones: what is left for kpl-codec-aws's {@code KplProperties.apply}.
   *
   * @param properties KPL properties; not changed
   * @return a copy without {@link #PROPERTY_NAMES} (in any case)
   */
  public static Properties withoutCloudWatchProperties(Properties properties) {
    Objects.requireNonNull(properties, "properties");
    Properties rest = new Properties();
    for (String name : properties.stringPropertyNames()) {
      if (!isCloudWatchProperty(name)) {
        rest.setProperty(name, properties.getProperty(name));
      }
    }
    return rest;
  }

  /**
   * The endpoint the KPL would reach: {@code https://CloudwatchEndpoint:CloudwatchPort}, if an endpoint is set.
   *
   * @return the URI, or empty for the region's endpoint
   */
  public Optional<URI> endpointOverride() {
    return endpoint.isEmpty() ? Optional.empty() : Optional.of(URI.create("https://" + endpoint + ":" + port));
  }

  /**
   * Sets the client's endpoint as the KPL would ({@link #endpointOverride()}); nothing else (region, credentials and
   * HTTP client stay yours).
   *
   * @param client a CloudWatch client's builder
   * @return {@code client}
   */
  public CloudWatchAsyncClientBuilder applyTo(CloudWatchAsyncClientBuilder client) {
    endpointOverride().ifPresent(client::endpointOverride);
    return client;
  }

  /**
   * Sets the publisher's namespace, level, granularity and upload interval.
   *
   * @param publisher a publisher's builder
   * @return {@code publisher}
   */
  public CloudWatchMetricsPublisher.Builder applyTo(CloudWatchMetricsPublisher.Builder publisher) {
    return publisher.namespace(namespace).level(level).granularity(granularity).uploadInterval(uploadInterval);
  }
}
