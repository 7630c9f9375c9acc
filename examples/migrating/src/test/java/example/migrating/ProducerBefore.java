package example.migrating;

import com.amazonaws.services.kinesis.producer.KinesisProducer;
import com.amazonaws.services.kinesis.producer.KinesisProducerConfiguration;
import com.amazonaws.services.kinesis.producer.UserRecordResult;
import com.google.common.util.concurrent.ListenableFuture;
import java.nio.ByteBuffer;

/** Before: the KPL (amazon-kinesis-producer 0.15.12). Compiled only: its native daemon needs AWS. */
final class ProducerBefore {
  static void send(byte[] order) throws Exception {
    // MIGRATING:kpl-producer start
    KinesisProducerConfiguration config = new KinesisProducerConfiguration()
        .setRegion("us-east-1")
        .setRecordMaxBufferedTime(100)
        .setMaxConnections(8)
        .setRequestTimeout(6000)
        .setRecordTtl(30000);
    KinesisProducer producer = new KinesisProducer(config); // starts the native daemon
    ListenableFuture<UserRecordResult> result = producer.addUserRecord("orders", "customer-1", ByteBuffer.wrap(order));
    producer.flushSync(); // waits until everything added is sent
    UserRecordResult put = result.get();
    System.out.println(put.getShardId() + " " + put.getSequenceNumber());
    producer.destroy();
    // MIGRATING:kpl-producer end
  }
}
