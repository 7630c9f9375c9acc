package io.kplcodec.benchmarks;

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
import org.openjdk.jmh.infra.Blackhole;

/** One op: every user record of the workload aggregated into Kinesis records (see {@link AggregationPath}). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 1)
public class AggregationBenchmark {
  @Param("64B-uuid-1MiB")
  public String workload;

  @Param(Contenders.KPL_CODEC)
  public String implementation;

  private AggregationPath path;
  private long expectedBytes;

  @Setup
  public void setUp() {
    Workload w = Workload.of(workload);
    path = Contenders.aggregation(implementation, w);
    for (byte[] aggregate : w.aggregates) {
      expectedBytes += aggregate.length;
    }
    long produced = path.aggregate(Checks.blackhole());
    if (produced != expectedBytes) {
      throw new IllegalStateException(implementation + " produced " + produced + " bytes for " + workload
          + " instead of " + expectedBytes);
    }
  }

  @Benchmark
  public long aggregate(Blackhole blackhole) {
    return path.aggregate(blackhole);
  }
}
