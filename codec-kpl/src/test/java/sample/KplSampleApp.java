package sample;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.kinesis.producer.Attempt;
import software.amazon.kinesis.producer.KinesisProducer;
import software.amazon.kinesis.producer.KinesisProducerConfiguration;
import software.amazon.kinesis.producer.UserRecordFailedException;
import software.amazon.kinesis.producer.UserRecordResult;

/**
 * A producer written in the KPL's documented style, against the KPL's API only: callbacks with {@code
 * Futures.addCallback}, backpressure on {@code getOutstandingRecordsCount()}, {@code flushSync()} at the end. The
 * same source is built twice: by Maven against kpl-codec-kpl, and by {@code KplSampleEndToEndTest} against the real
 * KPL 1.0.7 jar.
 *
 * <p>Arguments: endpoint host, port, stream, record count, run tag. Each record's data is {@code tag:i}, its
 * partition key {@code customer-(i % 100)}. Prints {@code put=N failed=M} and exits with 0 if nothing failed.
 */
public final class KplSampleApp {
  private KplSampleApp() {}

  public static void main(String[] args) throws Exception {
    long failed = run(args[0], Integer.parseInt(args[1]), args[2], Integer.parseInt(args[3]), args[4]);
    System.exit(failed == 0 ? 0 : 1);
  }

  /** Puts the records; returns how many failed. */
  public static long run(String host, int port, String stream, int count, String tag) throws Exception {
    KinesisProducerConfiguration config = new KinesisProducerConfiguration()
        .setRegion("us-east-1")
        .setKinesisEndpoint(host)
        .setKinesisPort(port)
        .setStsEndpoint(host) // the real KPL asks STS for the account id at start; kpl-codec does not
        .setStsPort(port)
        .setVerifyCertificate(false) // a test endpoint's self-signed certificate
        .setMetricsLevel("none")
        .setRecordMaxBufferedTime(100)
        .setRecordTtl(30_000)
        .setCredentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDSAMPLE", "secret")));
    KinesisProducer producer = new KinesisProducer(config);

    AtomicLong put = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    FutureCallback<UserRecordResult> callback = new FutureCallback<>() {
      @Override
      public void onSuccess(UserRecordResult result) {
        put.incrementAndGet();
      }

      @Override
      public void onFailure(Throwable t) {
        failed.incrementAndGet();
        if (t instanceof UserRecordFailedException) {
          Attempt last = ((UserRecordFailedException) t).getResult().getAttempts()
              .get(((UserRecordFailedException) t).getResult().getAttempts().size() - 1);
          System.err.println("failed: " + last.getErrorCode() + " " + last.getErrorMessage());
        } else {
          System.err.println("failed: " + t);
        }
      }
    };

    long started = System.nanoTime();
    for (int i = 0; i < count; i++) {
      // The KPL's advice: keep the outstanding records bounded.
      while (producer.getOutstandingRecordsCount() > 5_000) {
        Thread.sleep(1);
      }
      ByteBuffer data = ByteBuffer.wrap((tag + ":" + i).getBytes(StandardCharsets.UTF_8));
      ListenableFuture<UserRecordResult> future = producer.addUserRecord(stream, "customer-" + (i % 100), data);
      Futures.addCallback(future, callback, MoreExecutors.directExecutor());
    }
    producer.flushSync();
    System.out.printf("put=%d failed=%d in %.1f s (%s)%n", put.get(), failed.get(),
        (System.nanoTime() - started) / 1e9, producer.getClass().getProtectionDomain().getCodeSource().getLocation());
    producer.destroy();
    return failed.get() + (count - put.get() - failed.get());
  }
}
