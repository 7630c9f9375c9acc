package example.migrating;

import com.amazonaws.services.kinesis.clientlibrary.types.UserRecord;
import com.amazonaws.services.kinesis.model.Record;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.BiConsumer;
import software.amazon.kinesis.retrieval.AggregatorUtil;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

/** Before: KCL 1.x's UserRecord.deaggregate and KCL 2.x/3.x's AggregatorUtil. */
final class DeaggregationBefore {
  /** Compiled only: on this class path (KCL 3's protobuf-java 4.27.5) it throws NoSuchMethodError. */
  static void kcl1(List<Record> records, BiConsumer<String, ByteBuffer> process) {
    // MIGRATING:kcl1-deaggregate start
    List<UserRecord> userRecords = UserRecord.deaggregate(records); // KCL 1.x, SDK v1 records
    for (UserRecord userRecord : userRecords) {
      process.accept(userRecord.getPartitionKey(), userRecord.getData());
    }
    // MIGRATING:kcl1-deaggregate end
  }

  static void kcl3(List<KinesisClientRecord> records, BiConsumer<String, ByteBuffer> process) {
    // MIGRATING:kcl-aggregatorutil start
    List<KinesisClientRecord> userRecords = new AggregatorUtil().deaggregate(records); // KCL 2.x/3.x
    for (KinesisClientRecord userRecord : userRecords) {
      process.accept(userRecord.partitionKey(), userRecord.data());
    }
    // MIGRATING:kcl-aggregatorutil end
  }
}
