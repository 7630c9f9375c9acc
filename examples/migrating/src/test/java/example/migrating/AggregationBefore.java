package example.migrating;

import com.amazonaws.kinesis.agg.AggRecord;
import com.amazonaws.kinesis.agg.RecordAggregator;
import com.amazonaws.services.kinesis.AmazonKinesis;
import java.util.List;

/** Before: awslabs' RecordAggregator (amazon-kinesis-aggregator 1.0.3) with SDK v1. */
final class AggregationBefore {
  static void send(AmazonKinesis kinesis, String streamName, List<Order> orders) throws Exception {
    // MIGRATING:awslabs-aggregate start
    RecordAggregator aggregator = new RecordAggregator();
    for (Order order : orders) {
      AggRecord full = aggregator.addUserRecord(order.customer(), order.json());
      if (full != null) { // the aggregate is full: send it
        kinesis.putRecord(full.toPutRecordRequest(streamName));
      }
    }
    AggRecord last = aggregator.clearAndGet();
    if (last.getNumUserRecords() > 0) {
      kinesis.putRecord(last.toPutRecordRequest(streamName));
    }
    // MIGRATING:awslabs-aggregate end
  }
}
