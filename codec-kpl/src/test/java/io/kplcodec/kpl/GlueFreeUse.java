package io.kplcodec.kpl;

import java.nio.ByteBuffer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.kinesis.producer.KinesisProducer;
import software.amazon.kinesis.producer.KinesisProducerConfiguration;
import software.amazon.kinesis.producer.UserRecord;

/**
 * Ordinary use of the API, for {@link GlueOptionalTest} to run in a class loader without the Glue Schema Registry:
 * a configuration, a record, a producer, its counts and metrics, destroy. Throws if anything is wrong.
 */
public final class GlueFreeUse implements Runnable {
  @Override
  public void run() {
    KinesisProducerConfiguration config = KinesisProducerConfiguration.fromProperties(new java.util.Properties())
        .setRegion("us-east-1").setKinesisEndpoint("127.0.0.1").setKinesisPort(9).setRecordTtl(1000)
        .setCloudwatchEndpoint("127.0.0.1").setCloudwatchPort(9) // the metrics uploads, on: nowhere but here
        .setCredentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "secret")));
    if (config.getGlueSchemaRegistryConfiguration() != null) {
      throw new AssertionError("no Glue configuration was set");
    }
    UserRecord record = new UserRecord("s", "k", ByteBuffer.wrap(new byte[] {1}));
    if (record.getSchema() != null) {
      throw new AssertionError("no schema was set");
    }
    KinesisProducer producer = new KinesisProducer(config);
    try {
      if (producer.getOutstandingRecordsCount() != 0 || !producer.getMetrics().isEmpty()) {
        throw new AssertionError("a new producer has nothing outstanding and no metrics");
      }
    } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
      throw new AssertionError(e);
    } finally {
      producer.destroy();
    }
  }
}
