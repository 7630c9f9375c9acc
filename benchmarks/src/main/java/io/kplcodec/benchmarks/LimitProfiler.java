package io.kplcodec.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;
import org.openjdk.jmh.runner.IterationType;

/**
 * Measures, in the benchmark's own fork and around each of its measurement iterations, the physical limits and the CPU
 * time the benchmark thread spent per op.
 *
 * <ul>
 *   <li>{@code limit.md5}: MD5 through {@link MessageDigest} over exactly the protobuf bytes of the workload's full
 *       aggregate, CPU microseconds per digest, right before and right after the iteration (the lower of the two).
 *   <li>{@code limit.arraycopy}: {@link System#arraycopy} of the same bytes, likewise.
 *   <li>{@code cpu.op}: CPU microseconds the JMH worker thread used during the iteration, per op.
 * </ul>
 *
 * <p>Why CPU time: this machine is shared, and other workers' builds take the cores away from the benchmark for
 * seconds at a time, so wall-clock times measured minutes (or even a second) apart cannot be compared. The CPU time a
 * thread consumes per op hardly depends on how often it is descheduled, so the ratio of an implementation's CPU time
 * to MD5's CPU time over the same bytes, both measured in the same fork at the same moment, is what the report
 * compares. (CPU time of GC and JIT threads is not in {@code cpu.op}; allocation itself, TLAB refills and zeroing,
 * is, as it happens on the worker thread.)
 */
public final class LimitProfiler implements InternalProfiler {
  static final String MD5 = "limit.md5";
  static final String ARRAYCOPY = "limit.arraycopy";
  static final String CPU = "cpu.op";
  /** Each side of a measurement iteration. */
  static final long MEASUREMENT_NANOS = 100_000_000L;
  static final long WARMUP_NANOS = 50_000_000L;

  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final MessageDigest md5 = ProtobufJavaPaths.md5();
  private final byte[] digest = new byte[16];
  private byte[] copy = new byte[0];
  private double md5Before;
  private double copyBefore;
  private final List<Long> workers = new ArrayList<>();
  private long workerCpuBefore;
  /** Written so that the JIT cannot drop the work. */
  public volatile int sink;

  @Override
  public String getDescription() {
    return "MD5 and System.arraycopy over the workload's full aggregate, and the worker's CPU time per op, measured "
        + "in the benchmark's fork around each iteration";
  }

  @Override
  public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
    if (iterationParams.getType() != IterationType.MEASUREMENT) {
      return;
    }
    String workload = benchmarkParams.getParam("workload");
    if (workload != null) {
      byte[] aggregate = Workload.of(workload).fullAggregate();
      md5Before = md5(aggregate, MEASUREMENT_NANOS * 4 / 5);
      copyBefore = arraycopy(aggregate, MEASUREMENT_NANOS / 5);
    }
    workers.clear();
    for (Thread thread : Thread.getAllStackTraces().keySet()) {
      if (thread.getName().contains("jmh-worker")) {
        workers.add(thread.getId());
      }
    }
    workerCpuBefore = workerCpu();
  }

  @Override
  public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams,
      IterationResult result) {
    boolean measured = iterationParams.getType() == IterationType.MEASUREMENT;
    List<Result> results = new ArrayList<>();
    if (measured && !workers.isEmpty()) {
      long ops = result.getMetadata().getAllOps();
      long cpu = workerCpu() - workerCpuBefore;
      if (ops > 0 && cpu > 0) {
        results.add(new ScalarResult(CPU, cpu / 1e3 / ops, "us/op", AggregationPolicy.AVG));
      }
    }
    String workload = benchmarkParams.getParam("workload");
    if (workload != null) {
      byte[] aggregate = Workload.of(workload).fullAggregate();
      long budget = measured ? MEASUREMENT_NANOS : WARMUP_NANOS; // after a warm-up: warms the limits' code up
      double md5Micros = md5(aggregate, budget * 4 / 5);
      double copyMicros = arraycopy(aggregate, budget / 5);
      if (measured) {
        results.add(new ScalarResult(MD5, Math.min(md5Before, md5Micros), "us/op", AggregationPolicy.AVG));
        results.add(new ScalarResult(ARRAYCOPY, Math.min(copyBefore, copyMicros), "us/op", AggregationPolicy.AVG));
      }
    }
    return results;
  }

  private long workerCpu() {
    long total = 0;
    for (long id : workers) {
      long cpu = threads.getThreadCpuTime(id);
      if (cpu > 0) {
        total += cpu;
      }
    }
    return total;
  }

  /** CPU microseconds per MD5 of the aggregate's protobuf bytes, averaged over as many as fit the budget. */
  private double md5(byte[] aggregate, long budget) {
    int length = aggregate.length - 20;
    long deadline = System.nanoTime() + budget;
    long ops = 0;
    long cpuStart = threads.getCurrentThreadCpuTime();
    int x = 0;
    do {
      md5.update(aggregate, 4, length);
      try {
        md5.digest(digest, 0, digest.length);
      } catch (DigestException e) {
        throw new IllegalStateException(e);
      }
      x += digest[0];
      ops++;
    } while (System.nanoTime() < deadline);
    long cpu = threads.getCurrentThreadCpuTime() - cpuStart;
    sink = x;
    return cpu / 1e3 / ops;
  }

  /** CPU microseconds per copy of the aggregate's protobuf bytes. */
  private double arraycopy(byte[] aggregate, long budget) {
    int length = aggregate.length - 20;
    if (copy.length < length) {
      copy = new byte[length];
    }
    long deadline = System.nanoTime() + budget;
    long ops = 0;
    long cpuStart = threads.getCurrentThreadCpuTime();
    int x = 0;
    do {
      System.arraycopy(aggregate, 4, copy, 0, length);
      x += copy[(int) (ops % length)];
      ops++;
    } while (System.nanoTime() < deadline);
    long cpu = threads.getCurrentThreadCpuTime() - cpuStart;
    sink = x;
    return cpu / 1e3 / ops;
  }
}
