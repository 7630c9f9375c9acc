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

/** One op: the workload's first (full) aggregate deaggregated, MD5 verified (see {@link DeaggregationPath}). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 3, time = 1)
public class DeaggregationBenchmark {
  @Param("64B-16keys-1MiB")
  public String workload;

  @Param(Contenders.KPL_CODEC_VISIT)
  public String implementation;

  private DeaggregationPath path;

  @Setup
  public void setUp() {
    Workload w = Workload.of(workload);
    path = Contenders.deaggregation(implementation, w);
    long seen = path.deaggregate(Checks.blackhole());
    if (seen != w.fullAggregateUserBytes()) {
      throw new IllegalStateException(implementation + " saw " + seen + " bytes of user data in " + workload
          + "'s aggregate instead of " + w.fullAggregateUserBytes());
    }
  }

  @Benchmark
  public long deaggregate(Blackhole blackhole) {
    return path.deaggregate(blackhole);
  }
}
