package example.migrating;

import io.kplcodec.Aggregator;
import io.kplcodec.KinesisRecord;
import io.kplcodec.ShardMap;
import java.util.ArrayList;
import java.util.List;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisClient;

/** After: kpl-codec-core's Aggregator with SDK v2. */
final class AggregationAfter {
  static void send(KinesisClient kinesis, String streamName, ShardMap shards, List<Order> orders) {
    // MIGRATING:kplcodec-aggregate start
    Aggregator aggregator = Aggregator.builder().shardMap(shards).build(); // shards: from ListShards
    List<KinesisRecord> toSend = new ArrayList<>();
    for (Order order : orders) {
      KinesisRecord full = aggregator.add(order.customer(), order.json());
      if (full != null) { // the aggregate is full: send it
        toSend.add(full);
      }
    }
    toSend.addAll(aggregator.flush()); // what is still pending, one aggregate per shard
    for (KinesisRecord record : toSend) {
      kinesis.putRecord(b -> b.streamName(streamName)
          .partitionKey(record.partitionKey())
          .explicitHashKey(record.explicitHashKey())
          .data(SdkBytes.fromByteBuffer(record.data()))); // copies the bytes
      record.release(); // so its buffer can hold the next aggregate
    }
    // MIGRATING:kplcodec-aggregate end
  }
}
