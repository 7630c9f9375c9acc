package io.kplcodec.benchmarks.producer;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One producer, one workload, in this JVM (started by {@link ProducerBenchmark} at {@code -Xmx512m}): user records
 * with a UUID partition key each and data of a fixed size whose first 8 bytes are the record's id, added from {@code
 * threads} threads (1 by default; each adds its share of the ids) with at most {@code outstanding} not yet completed
 * (50,000, as the KPL's samples keep it: its Java side searches the outstanding records linearly). Prints one {@code
 * RESULT} line: CPU of this JVM and of the processes it started (the KPL's daemon) from {@code /proc}, wall time, peak
 * RSS of each, bytes allocated in this JVM, and how many futures succeeded or failed. Measured from the first user
 * record of the workload to the completion of the last. Before it: one warm-up record (both producers learn the shard
 * map with it; the KPL sends unaggregated until then), then {@code warm-up} user records of the same workload (0 by
 * default), completed: what a producer that has been running a while has behind it (JIT compilation, connections,
 * pools). Their CPU is reported apart ({@code warmUpCpuSeconds}).
 */
public final class ProducerRun {
  private ProducerRun() {}

  public static void main(String[] args) throws Exception {
    String result = run(ProducerBenchmark.options(args));
    System.out.println(result);
    System.out.flush();
    System.exit(result.contains(" complete=true ") ? 0 : 2);
  }

  /** Runs the workload through the producer the options name, closes it, and returns the {@code RESULT} line. */
  static String run(Map<String, String> options) throws Exception {
    String producerName = options.get("producer");
    int records = Integer.parseInt(options.get("records"));
    int size = Integer.parseInt(options.get("size"));
    int outstanding = Integer.parseInt(options.getOrDefault("outstanding", "50000"));
    int threads = Integer.parseInt(options.getOrDefault("threads", "1"));
    int warmUp = Integer.parseInt(options.getOrDefault("warm-up", "0"));
    ProducerUnderTest.Settings settings = new ProducerUnderTest.Settings(
        options.getOrDefault("stream", "producer-bench"), Integer.parseInt(options.get("port")),
        Path.of(options.getOrDefault("dir", "target/producer-bench")).toAbsolutePath(),
        Long.parseLong(options.getOrDefault("kpl-rate-limit", "150")),
        Boolean.parseBoolean(options.getOrDefault("cbor", "true")));
    if (size < 8) {
      throw new IllegalArgumentException("--size must be at least 8 (the id)");
    }

    long startedNanos = System.nanoTime();
    ProducerUnderTest producer = (ProducerUnderTest) Class.forName(ProducerUnderTest.className(producerName))
        .getDeclaredConstructor(ProducerUnderTest.Settings.class).newInstance(settings);
    Tally tally = new Tally(outstanding);
    SplittableRandom random = new SplittableRandom(17);
    byte[] filler = new byte[size];
    for (int i = 0; i < size; i++) {
      filler[i] = (byte) random.nextInt();
    }

    // Warm-up: one record, completed, then a pause in which the KPL installs the shard map it asked for.
    tally.acquire();
    producer.add("warm-up", record(filler, FakeKinesis.WARM_UP_ID), tally);
    tally.awaitAll(TimeUnit.MINUTES.toNanos(2));
    Thread.sleep(2000);
    List<ProcessTree.Sample> warmUpStart = ProcessTree.sample();
    add(producer, tally, filler, random.split(), warmUp, threads, true);
    tally.awaitAll(TimeUnit.MINUTES.toNanos(30));
    double setupSeconds = (System.nanoTime() - startedNanos) / 1e9;
    long warmUpFailures = tally.failed.getAndSet(0);
    tally.succeeded.set(0);

    List<ProcessTree.Sample> before = ProcessTree.sample();
    double warmUpCpu = cpuSeconds(warmUpStart, before);
    Map<Long, Map<String, Long>> threadsBefore = threads(before);
    long allocatedBefore = Allocation.allocatedBytes();
    long gcBefore = gcCount();
    long t0 = System.nanoTime();
    long startMillis = System.currentTimeMillis();
    add(producer, tally, filler, random, records, threads, false);
    long addedNanos = System.nanoTime() - t0;
    boolean complete = tally.awaitAll(TimeUnit.MINUTES.toNanos(30));
    long wallNanos = System.nanoTime() - t0;
    long endMillis = System.currentTimeMillis();
    long allocated = Allocation.allocatedBytes() - allocatedBefore;
    long gcs = gcCount() - gcBefore;
    List<ProcessTree.Sample> after = ProcessTree.sample();
    Map<Long, Map<String, Long>> threadsAfter = threads(after);

    ProcessTree.Sample jvm = after.get(0);
    double jvmCpu = (jvm.cpuTicks() - before.get(0).cpuTicks()) / (double) ProcessTree.TICKS_PER_SECOND;
    double childCpu = 0;
    long childRss = 0;
    List<String> children = new ArrayList<>();
    for (ProcessTree.Sample child : after.subList(1, after.size())) {
      long ticksBefore = before.stream().filter(s -> s.pid() == child.pid()).mapToLong(ProcessTree.Sample::cpuTicks)
          .findFirst().orElse(0);
      childCpu += (child.cpuTicks() - ticksBefore) / (double) ProcessTree.TICKS_PER_SECOND;
      childRss += child.peakRssKiB();
      children.add(child.name() + "/" + child.pid());
    }
    Throwable firstFailure = tally.firstFailure.get();
    String result = String.format(Locale.ROOT,
        "RESULT producer=%s records=%d size=%d complete=%s succeeded=%d failed=%d warmUpFailed=%d wallSeconds=%.3f"
            + " addSeconds=%.3f jvmCpuSeconds=%.2f childCpuSeconds=%.2f jvmPeakRssKiB=%d childPeakRssKiB=%d"
            + " allocatedBytes=%d allocation=%s gcs=%d setupSeconds=%.2f jvmTotalCpuSeconds=%.2f children=%s"
            + " java=%s settings=%s startMillis=%d endMillis=%d threads=%d warmUp=%d warmUpCpuSeconds=%.2f"
            + " firstFailure=%s",
        producerName, records, size, complete, tally.succeeded.get(), tally.failed.get(), warmUpFailures,
        wallNanos / 1e9, addedNanos / 1e9, jvmCpu, childCpu, jvm.peakRssKiB(), childRss, allocated,
        Allocation.method(), gcs, setupSeconds, jvm.cpuSeconds(), String.join(",", children),
        System.getProperty("java.runtime.version"), producer.describe().replace(' ', '_'), startMillis, endMillis,
        threads, warmUp, warmUpCpu,
        firstFailure == null ? "-" : String.valueOf(firstFailure).replace(' ', '_').replace('\n', '_'));
    producer.close();
    return result + "\n" + threadLine(after, threadsBefore, threadsAfter);
  }

  /**
   * Adds {@code count} user records from {@code threads} threads (this one if 1), thread i the ids i, i + threads, ...
   * (or all with the warm-up id), each thread with random keys of its own; returns once all are added.
   */
  private static void add(ProducerUnderTest producer, Tally tally, byte[] filler, SplittableRandom random, int count,
      int threads, boolean warmUp) throws Exception {
    if (threads == 1) {
      addShare(producer, tally, filler, random, count, 0, 1, warmUp);
      return;
    }
    List<Thread> adders = new ArrayList<>();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    for (int t = 0; t < threads; t++) {
      int first = t;
      SplittableRandom own = random.split();
      Thread adder = new Thread(() -> {
        try {
          addShare(producer, tally, filler, own, count, first, threads, warmUp);
        } catch (Throwable e) {
          failure.compareAndSet(null, e);
        }
      }, "adder-" + t);
      adders.add(adder);
      adder.start();
    }
    for (Thread adder : adders) {
      adder.join();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("an adding thread failed", failure.get());
    }
  }

  private static void addShare(ProducerUnderTest producer, Tally tally, byte[] filler, SplittableRandom random,
      int count, int first, int step, boolean warmUp) throws Exception {
    for (int id = first; id < count; id += step) {
      tally.acquire();
      String partitionKey = new UUID(random.nextLong(), random.nextLong()).toString();
      producer.add(partitionKey, record(filler, warmUp ? FakeKinesis.WARM_UP_ID : id), tally);
    }
  }

  /** CPU-s of this JVM and its children between two samples. */
  private static double cpuSeconds(List<ProcessTree.Sample> before, List<ProcessTree.Sample> after) {
    long ticks = 0;
    for (ProcessTree.Sample process : after) {
      ticks += process.cpuTicks() - before.stream().filter(s -> s.pid() == process.pid())
          .mapToLong(ProcessTree.Sample::cpuTicks).findFirst().orElse(0);
    }
    return ticks / (double) ProcessTree.TICKS_PER_SECOND;
  }

  private static Map<Long, Map<String, Long>> threads(List<ProcessTree.Sample> processes) {
    Map<Long, Map<String, Long>> threads = new java.util.HashMap<>();
    for (ProcessTree.Sample process : processes) {
      threads.put(process.pid(), ProcessTree.threads(process.pid()));
    }
    return threads;
  }

  /**
   * {@code THREADS jvm:<thread>=<CPU-s>,... daemon:<thread>=<CPU-s>,...}: where each process's CPU went during the
   * measurement, by thread name, largest first (threads started and ended within it are missing).
   */
  private static String threadLine(List<ProcessTree.Sample> processes, Map<Long, Map<String, Long>> before,
      Map<Long, Map<String, Long>> after) {
    StringBuilder line = new StringBuilder("THREADS");
    for (int i = 0; i < processes.size(); i++) {
      long pid = processes.get(i).pid();
      Map<String, Long> start = before.getOrDefault(pid, Map.of());
      line.append(i == 0 ? " jvm:" : " daemon:");
      line.append(after.get(pid).entrySet().stream()
          .map(e -> Map.entry(e.getKey(), e.getValue() - start.getOrDefault(e.getKey(), 0L)))
          .filter(e -> e.getValue() > 0)
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .map(e -> e.getKey().replace(' ', '_').replace(',', '_') + "="
              + String.format(Locale.ROOT, "%.2f", e.getValue() / (double) ProcessTree.TICKS_PER_SECOND))
          .collect(java.util.stream.Collectors.joining(",")));
    }
    return line.toString();
  }

  private static byte[] record(byte[] filler, long id) {
    byte[] data = filler.clone();
    for (int i = 0; i < 8; i++) {
      data[i] = (byte) (id >>> (56 - 8 * i));
    }
    return data;
  }

  private static long gcCount() {
    long count = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      count += Math.max(0, gc.getCollectionCount());
    }
    return count;
  }

  /** Counts completions and bounds the records outstanding. */
  static final class Tally implements ProducerUnderTest.Completion {
    final AtomicLong succeeded = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    private final Semaphore permits;
    private final int outstanding;

    Tally(int outstanding) {
      this.outstanding = outstanding;
      this.permits = new Semaphore(outstanding);
    }

    void acquire() throws InterruptedException {
      permits.acquire();
    }

    @Override
    public void succeeded() {
      succeeded.incrementAndGet();
      permits.release();
    }

    @Override
    public void failed(Throwable cause) {
      failed.incrementAndGet();
      firstFailure.compareAndSet(null, cause);
      permits.release();
    }

    /** Waits until every record added has completed. */
    boolean awaitAll(long timeoutNanos) throws InterruptedException {
      if (!permits.tryAcquire(outstanding, timeoutNanos, TimeUnit.NANOSECONDS)) {
        return false;
      }
      permits.release(outstanding);
      return true;
    }
  }

  /** Bytes allocated by every thread of this JVM. */
  static final class Allocation {
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    // JDK 21+: counts threads that have ended too. Before, only the threads alive when asked.
    private static final Method TOTAL = total();

    private Allocation() {}

    private static Method total() {
      try {
        return com.sun.management.ThreadMXBean.class.getMethod("getTotalThreadAllocatedBytes");
      } catch (NoSuchMethodException e) {
        return null;
      }
    }

    static String method() {
      return TOTAL != null ? "all-threads" : "live-threads";
    }

    static long allocatedBytes() {
      if (TOTAL != null) {
        try {
          return (long) TOTAL.invoke(THREADS);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }
      long sum = 0;
      for (long bytes : THREADS.getThreadAllocatedBytes(THREADS.getAllThreadIds())) {
        sum += Math.max(0, bytes);
      }
      return sum;
    }
  }
}
