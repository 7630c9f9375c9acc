package io.kplcodec.benchmarks.producer.kpl;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.kplcodec.benchmarks.producer.ProducerUnderTest;
import java.nio.ByteBuffer;
import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.services.kinesis.producer.KinesisProducer;
import com.amazonaws.services.kinesis.producer.KinesisProducerConfiguration;
import com.amazonaws.services.kinesis.producer.UserRecordResult;

/**
 * The real KPL 0.15.x ({@code com.amazonaws:amazon-kinesis-producer:0.15.12}, SDK v1 credentials) and its
 * native daemon, with its defaults except: the fake endpoint for Kinesis, STS and CloudWatch, no certificate check,
 * metrics off, warnings only, and {@code RateLimit} as the benchmark says (150, its default, unless told).
 * Compiled only under the benchmarks module's {@code kpl} profile.
 */
public final class Kpl015Producer implements ProducerUnderTest {
  private final KinesisProducer kpl;
  private final ProducerUnderTest.Settings settings;

  public Kpl015Producer(ProducerUnderTest.Settings settings) {
    this.settings = settings;
    KinesisProducerConfiguration config = new KinesisProducerConfiguration()
        .setRegion("us-east-1")
        .setCredentialsProvider(new AWSStaticCredentialsProvider(new BasicAWSCredentials("AKIDBENCH", "fake")))
        .setKinesisEndpoint("127.0.0.1").setKinesisPort(settings.port())
        .setStsEndpoint("127.0.0.1").setStsPort(settings.port())
        .setCloudwatchEndpoint("127.0.0.1").setCloudwatchPort(settings.port())
        .setVerifyCertificate(false)
        .setMetricsLevel("none")
        .setLogLevel("warning")
        .setRateLimit(settings.kplRateLimit())
        .setTempDirectory(settings.workDirectory().toString());
    kpl = new KinesisProducer(config);
  }

  private Completion lastCompletion;
  private FutureCallback<UserRecordResult> lastCallback;

  @Override
  public void add(String partitionKey, byte[] data, Completion completion) {
    Futures.addCallback(kpl.addUserRecord(settings.stream(), partitionKey, ByteBuffer.wrap(data)),
        callback(completion), MoreExecutors.directExecutor());
  }

  // One callback per Completion (the benchmark passes the same one every time): none allocated per record.
  private FutureCallback<UserRecordResult> callback(Completion completion) {
    if (completion != lastCompletion) {
      lastCompletion = completion;
      lastCallback = new FutureCallback<>() {
        @Override
        public void onSuccess(UserRecordResult result) {
          if (result.isSuccessful()) {
            completion.succeeded();
          } else {
            completion.failed(new IllegalStateException("not successful after " + result.getAttempts().size()
                + " attempts"));
          }
        }

        @Override
        public void onFailure(Throwable failure) {
          completion.failed(failure);
        }
      };
    }
    return lastCallback;
  }

  @Override
  public String describe() {
    return "KPL 0.15.12 defaults, RateLimit=" + settings.kplRateLimit() + ", MetricsLevel=none";
  }

  @Override
  public void close() {
    kpl.destroy();
  }
}
