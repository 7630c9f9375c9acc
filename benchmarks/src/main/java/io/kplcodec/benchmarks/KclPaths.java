package io.kplcodec.benchmarks;

import io.kplcodec.compat.KclCodec;
import java.nio.ByteBuffer;
import java.util.List;
import org.openjdk.jmh.infra.Blackhole;
import software.amazon.awssdk.services.kinesis.model.EncryptionType;
import software.amazon.kinesis.retrieval.AggregatorUtil;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

/** KCL 3.5.1, the consumer most producers' records end up in. */
final class KclPaths {
  private KclPaths() {}

  /**
   * What a KCL worker runs on every record of a GetRecords batch: {@link AggregatorUtil#deaggregate(List)} on a
   * {@link KinesisClientRecord} wrapping the record's bytes (no copy; a new outer record per op, as GetRecords gives).
   */
  static final class Deaggregation implements DeaggregationPath {
    private final AggregatorUtil aggregatorUtil = new AggregatorUtil();
    private final byte[] aggregate;

    Deaggregation(Workload workload) {
      this.aggregate = workload.fullAggregate();
    }

    @Override
    public long deaggregate(Blackhole blackhole) {
      KinesisClientRecord outer = KinesisClientRecord.builder()
          .data(ByteBuffer.wrap(aggregate))
          .partitionKey(KclCodec.OUTER_PARTITION_KEY)
          .sequenceNumber(KclCodec.OUTER_SEQUENCE_NUMBER)
          .approximateArrivalTimestamp(KclCodec.OUTER_ARRIVAL)
          .encryptionType(EncryptionType.NONE)
          .build();
      List<KinesisClientRecord> userRecords = aggregatorUtil.deaggregate(List.of(outer));
      long bytes = 0;
      for (int i = 0; i < userRecords.size(); i++) {
        KinesisClientRecord userRecord = userRecords.get(i);
        blackhole.consume(userRecord.partitionKey());
        ByteBuffer data = userRecord.data();
        blackhole.consume(data);
        bytes += data.remaining();
      }
      return bytes;
    }
  }
}
