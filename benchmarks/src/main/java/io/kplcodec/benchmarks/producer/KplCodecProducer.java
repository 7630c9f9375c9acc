package io.kplcodec.benchmarks.producer;

import io.kplcodec.aws.KinesisProducer;
import io.kplcodec.aws.PutResult;
import java.net.URI;
import java.util.function.BiConsumer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpConfigurationOption;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.utils.AttributeMap;

/**
 * kpl-codec's {@link KinesisProducer} with its defaults, over SDK v2's {@link KinesisAsyncClient} with its default
 * HTTP client (Netty) and protocol (CBOR unless the settings turn it off), over HTTPS to the fake endpoint; the
 * only setting changed is trusting the endpoint's self-signed certificate.
 */
final class KplCodecProducer implements ProducerUnderTest {
  private final SdkAsyncHttpClient http;
  private final KinesisAsyncClient kinesis;
  private final KinesisProducer producer;
  private final boolean cbor;

  KplCodecProducer(Settings settings) {
    cbor = settings.cbor();
    http = NettyNioAsyncHttpClient.builder().buildWithDefaults(
        AttributeMap.builder().put(SdkHttpConfigurationOption.TRUST_ALL_CERTIFICATES, Boolean.TRUE).build());
    // The SDK reads this property when the client is built: set for the build only (the smoke test shares its JVM).
    String previous = System.setProperty("aws.cborEnabled", Boolean.toString(cbor));
    try {
      kinesis = KinesisAsyncClient.builder()
          .endpointOverride(URI.create("https://127.0.0.1:" + settings.port()))
          .region(Region.US_EAST_1)
          .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDBENCH", "fake")))
          .httpClient(http)
          .build();
    } finally {
      if (previous == null) {
        System.clearProperty("aws.cborEnabled");
      } else {
        System.setProperty("aws.cborEnabled", previous);
      }
    }
    producer = KinesisProducer.builder(kinesis, settings.stream()).build();
  }

  @Override
  public void add(String partitionKey, byte[] data, Completion completion) {
    producer.add(partitionKey, data).whenComplete(callback(completion));
  }

  private BiConsumer<PutResult, Throwable> lastCallback;
  private Completion lastCompletion;

  // One callback object per Completion (the benchmark passes the same one every time): none allocated per record.
  private BiConsumer<PutResult, Throwable> callback(Completion completion) {
    if (completion != lastCompletion) {
      lastCompletion = completion;
      lastCallback = (result, failure) -> {
        if (failure == null) {
          completion.succeeded();
        } else {
          completion.failed(failure);
        }
      };
    }
    return lastCallback;
  }

  @Override
  public String describe() {
    return "KinesisProducer defaults; SDK v2 KinesisAsyncClient, Netty, " + (cbor ? "CBOR" : "JSON (CBOR off)");
  }

  @Override
  public void close() {
    producer.close();
    kinesis.close();
    http.close();
  }
}
