package io.kplcodec.benchmarks;

import io.kplcodec.Aggregator;
import io.kplcodec.Deaggregator;
import io.kplcodec.KinesisRecord;
import io.kplcodec.UserRecord;
import io.kplcodec.UserRecordVisitor;
import java.nio.ByteBuffer;
import java.util.List;
import org.openjdk.jmh.infra.Blackhole;

/** kpl-codec's own paths, as its README tells users to call it. */
final class KplCodecPaths {
  private KplCodecPaths() {}

  /**
   * {@code Aggregator.add} for every user record, then {@code flush()}; every emitted record is sent (to the
   * blackhole) and released, so its buffer goes back to the aggregator's pool. The aggregator lives across ops: that
   * is the steady state of a producer.
   */
  static final class Aggregation implements AggregationPath {
    private final Aggregator aggregator;
    private final String[] partitionKeys;
    private final String[] explicitHashKeys;
    private final byte[][] data;

    Aggregation(Workload workload) {
      this.aggregator = workload.aggregator();
      this.partitionKeys = workload.partitionKeys;
      this.explicitHashKeys = workload.explicitHashKeys;
      this.data = workload.data;
    }

    @Override
    public long aggregate(Blackhole blackhole) {
      Aggregator aggregator = this.aggregator;
      String[] partitionKeys = this.partitionKeys;
      String[] explicitHashKeys = this.explicitHashKeys;
      byte[][] data = this.data;
      long bytes = 0;
      for (int i = 0; i < partitionKeys.length; i++) {
        KinesisRecord completed = aggregator.add(partitionKeys[i], explicitHashKeys[i], data[i]);
        if (completed != null) {
          bytes += send(completed, blackhole);
        }
      }
      List<KinesisRecord> rest = aggregator.flush();
      for (int i = 0; i < rest.size(); i++) {
        bytes += send(rest.get(i), blackhole);
      }
      return bytes;
    }

    private static int send(KinesisRecord record, Blackhole blackhole) {
      blackhole.consume(record);
      int length = record.dataLength();
      record.release();
      return length;
    }
  }

  /**
   * {@code Deaggregator.visit(ByteBuffer, visitor)}: zero-copy, MD5 verified, no object at all. The input is the
   * received record's data as the buffer a consumer already holds, wrapped once here: its allocation is the SDK's, not
   * kpl-codec's. Read-only, as KCL's {@code KinesisClientRecord.data()} and the SDK's {@code asByteBuffer()} hand it
   * out, or a plain heap buffer.
   */
  static final class Visit implements DeaggregationPath {
    private final Deaggregator deaggregator = Deaggregator.create();
    private final ByteBuffer aggregate;
    private final Visitor visitor = new Visitor();

    Visit(Workload workload, boolean readOnly) {
      ByteBuffer aggregate = ByteBuffer.wrap(workload.fullAggregate());
      this.aggregate = readOnly ? aggregate.asReadOnlyBuffer() : aggregate;
    }

    @Override
    public long deaggregate(Blackhole blackhole) {
      Visitor visitor = this.visitor;
      visitor.blackhole = blackhole;
      visitor.bytes = 0;
      deaggregator.visit(aggregate, visitor);
      return visitor.bytes;
    }

    private static final class Visitor implements UserRecordVisitor {
      Blackhole blackhole;
      long bytes;

      @Override
      public void visit(String partitionKey, String explicitHashKey, ByteBuffer source, int dataOffset,
          int dataLength, long subSequenceNumber) {
        blackhole.consume(partitionKey);
        blackhole.consume(source); // the data is source[dataOffset, dataOffset + dataLength)
        bytes += dataLength;
      }
    }
  }

  /** {@code Deaggregator.deaggregate(byte[])}: a list of {@link UserRecord}s, each data a read-only view. */
  static final class DeaggregateList implements DeaggregationPath {
    private final Deaggregator deaggregator = Deaggregator.create();
    private final byte[] aggregate;

    DeaggregateList(Workload workload) {
      this.aggregate = workload.fullAggregate();
    }

    @Override
    public long deaggregate(Blackhole blackhole) {
      long bytes = 0;
      for (UserRecord record : deaggregator.deaggregate(aggregate)) {
        blackhole.consume(record.partitionKey());
        ByteBuffer data = record.data();
        blackhole.consume(data);
        bytes += data.remaining();
      }
      return bytes;
    }
  }
}
