package io.kplcodec.kpl;

import static io.kplcodec.local.testing.KinesaliteAssumptions.assumeKinesaliteAvailable;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.kplcodec.local.LocalKinesis;
import io.kplcodec.testing.ReadmeSnippets;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.kinesis.producer.KinesisProducer;
import software.amazon.kinesis.producer.KinesisProducerConfiguration;
import software.amazon.kinesis.producer.UserRecordResult;

/** The repository README's codec-kpl snippet, verbatim between the marker comments, run against kinesalite. */
class ReadmeExamplesTest {
  @Test
  void theSnippetAppearsInTheReadmeVerbatim() throws Exception {
    List<String> found = ReadmeSnippets.assertShown(Path.of("../README.md"),
        ReadmeSnippets.in(Path.of("src/test/java/io/kplcodec/kpl/ReadmeExamplesTest.java")), false);
    assertEquals(1, found.size());
  }

  @Test
  void theSnippetPutsARecordAndRunsItsCallback() throws Exception {
    assumeKinesaliteAvailable();
    try (LocalKinesis kinesalite = LocalKinesis.start();
        KinesisAsyncClient kinesis = kinesalite.client();
        HttpsKinesisFront front = new HttpsKinesisFront(kinesalite.port(), Path.of("target/readme-test"))) {
      LocalKinesis.createStream(kinesis, "orders", 1);
      Path file = Path.of("target/readme-test/kpl.properties");
      Files.writeString(file, "Region = us-east-1\nKinesisEndpoint = 127.0.0.1\nKinesisPort = " + front.port()
          + "\nVerifyCertificate = false\nMetricsLevel = none\n");
      System.setProperty("aws.accessKeyId", "AKIDREADME");
      System.setProperty("aws.secretAccessKey", "secret");
      String kplProperties = file.toString();
      String customerId = "customer-1";
      byte[] order = "{\"order\":1}".getBytes(StandardCharsets.UTF_8);
      List<UserRecordResult> results = new CopyOnWriteArrayList<>();
      FutureCallback<UserRecordResult> callback = new FutureCallback<>() {
        @Override
        public void onSuccess(UserRecordResult result) {
          results.add(result);
        }

        @Override
        public void onFailure(Throwable t) {
          throw new AssertionError(t);
        }
      };

      // README:producer start
      KinesisProducer producer = new KinesisProducer(KinesisProducerConfiguration.fromPropertiesFile(kplProperties));
      ListenableFuture<UserRecordResult> f = producer.addUserRecord("orders", customerId, ByteBuffer.wrap(order));
      Futures.addCallback(f, callback, MoreExecutors.directExecutor()); // the KPL's code, unchanged
      producer.flushSync(); // every record put or failed, and its callbacks run
      producer.destroy();
      // README:producer end

      assertEquals(1, results.size(), "the callback ran before flushSync returned");
      assertEquals("shardId-000000000000", results.get(0).getShardId());
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
  }
}
