package io.kplcodec.benchmarks;

import io.kplcodec.KinesisRecord;
import io.kplcodec.PutRecordsBatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One op: every user record of the workload, as a plain {@link KinesisRecord}, split into PutRecords requests by
 * {@link PutRecordsBatcher} (500 entries, 5 MiB). kpl-codec only: neither protobuf-java nor KCL batches.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 1)
public class BatchingBenchmark {
  @Param("1KiB-uuid-1MiB")
  public String workload;

  @Param(Contenders.KPL_CODEC)
  public String implementation;

  private final PutRecordsBatcher batcher = PutRecordsBatcher.builder().build();
  private List<KinesisRecord> records;

  @Setup
  public void setUp() {
    if (!implementation.equals(Contenders.KPL_CODEC)) {
      throw new IllegalArgumentException("Only kpl-codec batches: " + implementation);
    }
    Workload w = Workload.of(workload);
    records = new ArrayList<>(w.userRecords());
    for (int i = 0; i < w.userRecords(); i++) {
      records.add(KinesisRecord.of(w.partitionKeys[i], null, w.data[i]));
    }
  }

  @Benchmark
  public List<List<KinesisRecord>> batch() {
    return batcher.split(records).requests();
  }
}
