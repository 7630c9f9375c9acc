package io.kplcodec.flink;

import java.net.URI;
import java.util.Objects;
import java.util.Properties;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClientBuilder;

/**
 * {@link KinesisClientFactory#fromProperties}: the client from connector-style properties, checked when the factory is
 * made, so a typo fails where the job graph is built. Immutable and thread-safe.
 */
final class PropertiesClientFactory implements KinesisClientFactory {
  private static final long serialVersionUID = 1L;

  private final Properties properties = new Properties();

  PropertiesClientFactory(Properties properties) {
    this.properties.putAll(Objects.requireNonNull(properties, "properties"));
    if (this.properties.getProperty("aws.region") == null) {
      throw new IllegalArgumentException("The Kinesis client properties need aws.region");
    }
    credentials();
    protocol();
  }

  @Override
  public KinesisAsyncClient create() {
    NettyNioAsyncHttpClient.Builder http = NettyNioAsyncHttpClient.builder();
    Protocol protocol = protocol();
    if (protocol != null) {
      http.protocol(protocol);
    }
    KinesisAsyncClientBuilder builder = KinesisAsyncClient.builder()
        .region(Region.of(properties.getProperty("aws.region")))
        .credentialsProvider(credentials())
        .httpClientBuilder(http);
    String endpoint = properties.getProperty("aws.endpoint");
    if (endpoint != null) {
      builder.endpointOverride(URI.create(endpoint));
    }
    return builder.build();
  }

  private AwsCredentialsProvider credentials() {
    String provider = properties.getProperty("aws.credentials.provider", "AUTO");
    switch (provider) {
      case "AUTO":
        return DefaultCredentialsProvider.builder().build();
      case "BASIC":
        String id = properties.getProperty("aws.credentials.provider.basic.accesskeyid");
        String secret = properties.getProperty("aws.credentials.provider.basic.secretkey");
        if (id == null || secret == null) {
          throw new IllegalArgumentException("aws.credentials.provider BASIC needs "
              + "aws.credentials.provider.basic.accesskeyid and aws.credentials.provider.basic.secretkey");
        }
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret));
      default:
        throw new IllegalArgumentException("aws.credentials.provider " + provider + " is not supported here (AUTO "
            + "or BASIC); give the sink a KinesisClientFactory of your own instead");
    }
  }

  private Protocol protocol() {
    String version = properties.getProperty("aws.http.protocol.version");
    if (version == null) {
      return null;
    }
    switch (version) {
      case "HTTP1_1":
        return Protocol.HTTP1_1;
      case "HTTP2":
        return Protocol.HTTP2;
      default:
        throw new IllegalArgumentException("aws.http.protocol.version must be HTTP1_1 or HTTP2: " + version);
    }
  }

  @Override
  public String toString() {
    return "KinesisClientFactory.fromProperties{region=" + properties.getProperty("aws.region") + ", endpoint="
        + properties.getProperty("aws.endpoint") + "}";
  }
}
