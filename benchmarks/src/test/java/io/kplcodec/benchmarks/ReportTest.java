package io.kplcodec.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.benchmarks.Report.Group;
import io.kplcodec.benchmarks.Report.Row;
import java.util.Collection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

class ReportTest {
  @Test
  void theWholeComparisonFitsTenMinutesWithTheBuild() {
    List<Group> plan = Report.plan(false, null, null);
    double seconds = plan.stream().mapToDouble(Report.FULL::estimateSeconds).sum();
    // The estimate runs about 10% over the real time (36 forks: 8.1 min measured), and the build takes a minute.
    assertTrue(seconds < 560, "estimated " + seconds + " s; the build takes about a minute more");
  }

  @Test
  void filtersPickWorkloadsAndImplementations() {
    List<Group> plan = Report.plan(false, List.of("64B-uuid-1MiB"), List.of("kpl-codec"));
    assertEquals(1, plan.size(), plan.toString());
    assertEquals(List.of("64B-uuid-1MiB"), plan.get(0).workloads());
    assertEquals(List.of("kpl-codec"), plan.get(0).implementations());
  }

  @Test
  void theTableHasRatiosToTheMd5LimitAndTheTargets() {
    // 1 MB of protobuf per op. kpl-codec: 1250 us/op, and MD5 took 1000 us in its fork: 0.80 of the limit.
    // protobuf-java: 5000 us/op, MD5 took 1200 us in its fork (a busier moment): 0.24, so 3.33x, not 4x.
    List<Row> rows = List.of(
        new Row("aggregate", "64B-16keys-1MiB", Contenders.KPL_CODEC, 2000, 1250, 1500, 960_000, 15_000,
            1_000_000, 1, 1000, 50, 0.80),
        new Row("aggregate", "64B-16keys-1MiB", Contenders.PROTOBUF_JAVA, 9000, 5000, 9e6, 960_000, 15_000,
            1_000_000, 1, 1200, 50, 0.24));
    String text = Report.render(rows, List.of(), Report.FULL, 1.0);
    assertTrue(text.contains("| 64B-16keys-1MiB | aggregate | kpl-codec | 768.0 | 12.00 M | 1,500 | 0.100 | 0.80 | 2,000 |"),
        text);
    assertTrue(text.contains("| kpl-codec >= 0.6x MD5 limit | 64B-16keys-1MiB | 0.80x | 0.6x | PASS |"), text);
    assertTrue(text.contains("| kpl-codec >= 3x protobuf-java (aggregate) | 64B-16keys-1MiB | 3.33x | 3x | PASS |"),
        text);
    assertTrue(text.contains("| kpl-codec allocates <= 1 B/user record | 64B-16keys-1MiB | 0.10 B | 1 B | PASS |"),
        text);
  }

  /** The smoke test: one benchmark method, once, in this JVM, through JMH itself. */
  @Test
  void oneBenchmarkRunsUnderJmhWithTheGcProfiler() throws Exception {
    Collection<RunResult> results = new Runner(new OptionsBuilder()
        .include("^" + DeaggregationBenchmark.class.getName() + "\\.deaggregate$")
        .param("workload", "64B-16keys-1MiB")
        .param("implementation", Contenders.KPL_CODEC_VISIT)
        .forks(0)
        .warmupIterations(1)
        .warmupTime(TimeValue.milliseconds(50))
        .measurementIterations(1)
        .measurementTime(TimeValue.milliseconds(100))
        .addProfiler(org.openjdk.jmh.profile.GCProfiler.class)
        .addProfiler(LimitProfiler.class)
        .build()).run();
    assertEquals(1, results.size());
    RunResult result = results.iterator().next();
    assertTrue(result.getPrimaryResult().getScore() > 0);
    for (String secondary : List.of("gc.alloc.rate.norm", LimitProfiler.CPU, LimitProfiler.MD5)) {
      assertTrue(result.getSecondaryResults().keySet().stream().anyMatch(k -> k.endsWith(secondary)),
          result.getSecondaryResults().keySet().toString());
    }
    assertTrue(Report.medianRatio(result, 1.0) > 0);
  }
}
