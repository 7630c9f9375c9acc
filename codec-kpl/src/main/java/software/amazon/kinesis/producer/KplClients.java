package software.amazon.kinesis.producer;

import io.kplcodec.aws.KplMetric;
import io.kplcodec.aws.KplMetrics;
import io.kplcodec.cloudwatch.CloudWatchMetricsPublisher;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.SdkHttpConfigurationOption;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.ProxyConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClientBuilder;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClientBuilder;
import software.amazon.awssdk.utils.AttributeMap;

/**
 * What a producer opens from the KPL's configuration, as the KPL's daemon would: a Kinesis client and, unless {@code
 * MetricsLevel} is {@code none}, a CloudWatch client with the metrics uploads; each SDK client with an HTTP client of
 * its own, which the SDK client does not close. So this closes everything it opened, newest first (the last upload
 * before its client), and a failure while opening closes what was open by then. Thread-safe; close once.
 */
final class KplClients implements AutoCloseable {
  private final KinesisAsyncClient kinesis;
  /** What to close, newest first. */
  private final Deque<Runnable> opened;

  private KplClients(KinesisAsyncClient kinesis, Deque<Runnable> opened) {
    this.kinesis = kinesis;
    this.opened = opened;
  }

  /**
   * Opens the clients {@code config} describes; the CloudWatch uploads, if any, are of {@code metrics}.
   *
   * @throws RuntimeException what opening threw (no region, a dimension CloudWatch would refuse), with nothing left
   *     open
   */
  static KplClients open(KinesisProducerConfiguration config, KplMetrics metrics) {
    Deque<Runnable> opened = new ArrayDeque<>();
    try {
      SdkAsyncHttpClient kinesisHttp = httpClient(config, (int) config.getMaxConnections());
      opened.push(kinesisHttp::close);
      KinesisAsyncClient kinesis = buildClient(config, kinesisHttp);
      opened.push(kinesis::close);
      KplMetric.Level level = KplMetric.Level.fromKpl(config.getMetricsLevel());
      if (level != KplMetric.Level.NONE) {
        SdkAsyncHttpClient cloudWatchHttp = httpClient(config, 4);
        opened.push(cloudWatchHttp::close);
        CloudWatchAsyncClient cloudWatch = buildCloudWatch(config, cloudWatchHttp);
        opened.push(cloudWatch::close);
        opened.push(publisher(config, level, cloudWatch, metrics)::close);
      }
      return new KplClients(kinesis, opened);
    } catch (RuntimeException e) {
      closeAll(opened);
      throw e;
    }
  }

  KinesisAsyncClient kinesis() {
    return kinesis;
  }

  /** Uploads the metrics left (if any), then closes every client. */
  @Override
  public void close() {
    closeAll(opened);
  }

  /** Closes each, newest first, every one even if one throws; then throws the first failure. */
  static void closeAll(Deque<Runnable> opened) {
    RuntimeException first = null;
    for (Runnable close; (close = poll(opened)) != null; ) {
      try {
        close.run();
      } catch (RuntimeException e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private static Runnable poll(Deque<Runnable> opened) {
    synchronized (opened) {
      return opened.poll();
    }
  }

  /** The HTTP client the KPL's settings describe: connection limit and timeout, proxy, certificate check. */
  private static SdkAsyncHttpClient httpClient(KinesisProducerConfiguration config, int maxConcurrency) {
    NettyNioAsyncHttpClient.Builder http = NettyNioAsyncHttpClient.builder()
        .maxConcurrency(maxConcurrency)
        .connectionTimeout(Duration.ofMillis(config.getConnectTimeout()))
        // PutRecords and ListShards need no HTTP/2 (only SubscribeToShard does), and every proxy speaks 1.1.
        .protocol(Protocol.HTTP1_1);
    if (!config.getProxyHost().isEmpty()) {
      ProxyConfiguration.Builder proxy = ProxyConfiguration.builder()
          .host(config.getProxyHost()).port((int) config.getProxyPort());
      if (!config.getProxyUserName().isEmpty()) {
        proxy.username(config.getProxyUserName()).password(config.getProxyPassword());
      }
      http.proxyConfiguration(proxy.build());
    }
    return config.isVerifyCertificate() ? http.build()
        : http.buildWithDefaults(AttributeMap.builder()
            .put(SdkHttpConfigurationOption.TRUST_ALL_CERTIFICATES, Boolean.TRUE).build());
  }

  private static KinesisAsyncClient buildClient(KinesisProducerConfiguration config, SdkAsyncHttpClient httpClient) {
    KinesisAsyncClientBuilder builder = KinesisAsyncClient.builder()
        .httpClient(httpClient)
        .credentialsProvider(config.getCredentialsProvider());
    if (!config.getRegion().isEmpty()) {
      builder.region(Region.of(config.getRegion()));
    }
    if (!config.getKinesisEndpoint().isEmpty()) {
      // As the KPL: always HTTPS, to the host and port given.
      builder.endpointOverride(URI.create("https://" + config.getKinesisEndpoint() + ":" + config.getKinesisPort()));
    }
    return builder.build();
  }

  /**
   * The CloudWatch client the KPL's daemon would use: its region, CloudwatchEndpoint and CloudwatchPort (always
   * HTTPS, as the KPL), MetricsCredentialsProvider (else CredentialsProvider), and the same HTTP settings.
   */
  private static CloudWatchAsyncClient buildCloudWatch(KinesisProducerConfiguration config, SdkAsyncHttpClient http) {
    AwsCredentialsProvider credentials = config.getMetricsCredentialsProvider() != null
        ? config.getMetricsCredentialsProvider() : config.getCredentialsProvider();
    CloudWatchAsyncClientBuilder builder = CloudWatchAsyncClient.builder()
        .httpClient(http)
        .credentialsProvider(credentials);
    if (!config.getRegion().isEmpty()) {
      builder.region(Region.of(config.getRegion()));
    }
    if (!config.getCloudwatchEndpoint().isEmpty()) {
      builder.endpointOverride(URI.create("https://" + config.getCloudwatchEndpoint() + ":"
          + config.getCloudwatchPort()));
    }
    return builder.build();
  }

  /** The uploads of {@code metrics} as the configuration says. */
  private static CloudWatchMetricsPublisher publisher(KinesisProducerConfiguration config, KplMetric.Level level,
      CloudWatchAsyncClient cloudWatch, KplMetrics metrics) {
    CloudWatchMetricsPublisher.Builder builder = CloudWatchMetricsPublisher.builder(cloudWatch)
        .metrics(metrics)
        .namespace(config.getMetricsNamespace())
        .level(level)
        .granularity(KplMetric.Granularity.fromKpl(config.getMetricsGranularity()))
        .uploadInterval(Duration.ofMillis(config.getMetricsUploadDelay()))
        // destroy() is the KPL's "stop now": its last upload waits no longer than a request may take.
        .closeTimeout(Duration.ofMillis(config.getRequestTimeout()));
    for (KinesisProducerConfiguration.Dimension d : config.additionalMetricsDimensions()) {
      if (!d.value().isBlank()) { // the KPL leaves blank values out of its uploads
        builder.additionalDimension(d.key(), d.value(), KplMetric.Granularity.fromKpl(d.granularity()));
      }
    }
    return builder.build();
  }
}
