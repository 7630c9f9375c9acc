package example.migrating;

import io.kplcodec.aws.KinesisProducer;
import io.kplcodec.aws.PutResult;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;

/**
 * After: kpl-codec-aws's KinesisProducer. Compiled only here: codec-aws's ReadmeExamplesTest runs the same calls
 * against kinesalite.
 */
final class ProducerAfter {
  static void send(byte[] order) {
    // MIGRATING:kplcodec-producer start
    KinesisAsyncClient kinesis = KinesisAsyncClient.builder().region(Region.US_EAST_1).build();
    try (KinesisProducer producer = KinesisProducer.builder(kinesis, "orders") // one stream per producer
        .maxBufferedTime(Duration.ofMillis(100))
        .maxInFlightRequests(8)
        .requestTimeout(Duration.ofSeconds(6))
        .recordTimeout(Duration.ofSeconds(30))
        .build()) { // lists the stream's shards
      CompletableFuture<PutResult> result = producer.add("customer-1", order); // blocks while the producer is full
      producer.flush(); // waits until everything added is put, or failed
      PutResult put = result.join();
      System.out.println(put.shardId() + " " + put.sequenceNumber() + " #" + put.subSequenceNumber());
    } // close() flushes too; the client stays yours to close
    // MIGRATING:kplcodec-producer end
  }
}
