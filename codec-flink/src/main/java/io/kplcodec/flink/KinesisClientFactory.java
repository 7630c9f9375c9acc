package io.kplcodec.flink;

import java.io.Serializable;
import java.util.Properties;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;

/**
 * Makes the SDK v2 {@link KinesisAsyncClient} that a {@link KinesisProducerSink} writer puts records with: one per
 * writer (parallel subtask), made when the writer starts and closed with it.
 *
 * <p>{@link #fromProperties(Properties)} reads the connector's client property names; implement this interface for
 * anything else (your own credentials provider, HTTP client settings, a proxy). Implementations are serialized with
 * the job and called once per writer, on its task thread.
 */
@FunctionalInterface
public interface KinesisClientFactory extends Serializable {
  /**
   * A new client; the writer closes it when it closes.
   *
   * @return a client for the stream's account and region
   */
  KinesisAsyncClient create();

  /**
   * A factory reading the same properties as the connector's {@code KinesisStreamsSink}, those that apply here:
   * {@code aws.region} (required), {@code aws.endpoint}, {@code aws.credentials.provider} ({@code AUTO}, the SDK's
   * default chain, unless set; or {@code BASIC} with {@code aws.credentials.provider.basic.accesskeyid} and {@code
   * aws.credentials.provider.basic.secretkey}), and {@code aws.http.protocol.version} ({@code HTTP1_1} or {@code
   * HTTP2}; the SDK's default otherwise). Other properties are ignored.
   *
   * @param properties the client properties; copied
   * @return a serializable factory
   * @throws IllegalArgumentException if {@code aws.region} is missing or a value is not one of those above
   */
  static KinesisClientFactory fromProperties(Properties properties) {
    return new PropertiesClientFactory(properties);
  }
}
