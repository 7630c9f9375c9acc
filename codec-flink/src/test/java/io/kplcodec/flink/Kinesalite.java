package io.kplcodec.flink;

import static io.kplcodec.local.testing.KinesaliteAssumptions.assumeKinesaliteAvailable;

import io.kplcodec.local.LocalKinesis;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;

/**
 * Starts a {@link LocalKinesis} (kinesalite) for a test class, or skips the calling test when it cannot run here:
 * without Node.js and npm, or with {@code -Dkinesalite.skip=true}. Also the connector settings that reach it.
 */
final class Kinesalite {
  private Kinesalite() {}

  /** kinesalite with its data in memory. */
  static LocalKinesis start() throws Exception {
    assumeKinesaliteAvailable();
    return LocalKinesis.start();
  }

  /** The stream's ARN as the connector's source wants it (kinesalite's account and region). */
  static String streamArn(String stream) {
    return "arn:aws:kinesis:us-east-1:000000000000:stream/" + stream;
  }

  /**
   * Client properties for the connector's sink (and this module's ListShards) against {@code port}: plain HTTP needs
   * HTTP/1.1 (the connector's Netty client defaults to HTTP/2, which hangs silently against plain HTTP).
   */
  static Properties clientProperties(int port) {
    Properties properties = new Properties();
    properties.setProperty("aws.region", "us-east-1");
    properties.setProperty("aws.endpoint", "http://127.0.0.1:" + port);
    properties.setProperty("aws.credentials.provider", "BASIC");
    properties.setProperty("aws.credentials.provider.basic.accesskeyid", "test");
    properties.setProperty("aws.credentials.provider.basic.secretkey", "test");
    properties.setProperty("aws.http.protocol.version", "HTTP1_1");
    return properties;
  }

  /** The same settings as a source configuration. */
  static Configuration sourceConfig(int port) {
    Configuration config = new Configuration();
    clientProperties(port).forEach((key, value) -> config.setString((String) key, (String) value));
    return config;
  }
}
