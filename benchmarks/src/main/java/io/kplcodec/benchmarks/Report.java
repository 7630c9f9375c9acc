package io.kplcodec.benchmarks;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormat;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs the whole comparison with JMH ({@code -prof gc}, one fork per benchmark) and prints one table: implementation,
 * workload, MB/s of user data, user records/s, bytes allocated per op and per user record, and the ratio to the MD5
 * limit measured in the same run; then the codec-core targets, each with PASS or FAIL and its numbers.
 *
 * <p>{@code java -jar kpl-codec-benchmarks.jar --help} lists the options. The table is also written, as Markdown, next
 * to the jar ({@code report-jdk<N>.md}), with JMH's own log ({@code jmh-jdk<N>.log}).
 */
public final class Report {
  static final List<String> WORKLOADS_1MIB =
      List.of("64B-uuid-1MiB", "64B-16keys-1MiB", "1KiB-uuid-1MiB", "1KiB-16keys-1MiB", "32KiB-16keys-1MiB");
  static final List<String> WORKLOADS_10MIB = List.of("64B-16keys-10MiB", "32KiB-16keys-10MiB");
  static final List<String> WORKLOADS_SHARDED = List.of("64B-uuid-1MiB-4shards", "1KiB-16keys-1MiB-4shards");
  static final List<String> WORKLOADS_BATCHING = List.of("1KiB-uuid-1MiB");
  /** Read-only input (what KCL and the SDK hand a consumer) against byte[] input: every record with its own keys. */
  static final List<String> WORKLOADS_READ_ONLY = List.of("64B-uuid-ehk-1MiB");

  private static final String AGGREGATE = "aggregate";
  private static final String DEAGGREGATE = "deaggregate";
  private static final String LIMIT = "limit";
  private static final String BATCH = "batch";

  /** One JMH run: a benchmark method over the product of implementations and workloads. */
  record Group(String operation, Class<?> benchmark, List<String> methods, List<String> implementations,
      List<String> workloads) {
    int runs() {
      return methods.size() * Math.max(1, implementations.size()) * workloads.size();
    }
  }

  /**
   * One measured row. Times are microseconds per op: {@code wallMicros} as JMH measured it, {@code cpuMicros} the CPU
   * time of the benchmark thread (median over iterations), {@code md5Micros} and {@code arraycopyMicros} the limits'
   * CPU time over the full aggregate in the same fork (medians); {@code md5Ratio} see {@link #medianRatio}.
   */
  record Row(String operation, String workload, String implementation, double wallMicros, double cpuMicros,
      double bytesPerOp, long userBytes, long userRecords, long protobufBytes, int aggregates, double md5Micros,
      double arraycopyMicros, double md5Ratio) {
    /** CPU seconds per op (wall-clock if the CPU time is unknown). */
    double seconds() {
      return (Double.isNaN(cpuMicros) ? wallMicros : cpuMicros) / 1e6;
    }

    double userMegabytesPerSecond() {
      return userBytes / seconds() / 1e6;
    }

    double userRecordsPerSecond() {
      return userRecords / seconds();
    }

    double bytesPerUserRecord() {
      return bytesPerOp / userRecords;
    }

    double protobufBytesPerSecond() {
      return protobufBytes / seconds();
    }
  }

  /** Warm-up and measurement settings. */
  record Timing(int warmups, double warmupSeconds, int measurements, double measurementSeconds) {
    double estimateSeconds(Group group) {
      double perRun = warmups * (warmupSeconds + LimitProfiler.WARMUP_NANOS / 1e9)
          + measurements * (measurementSeconds + 2 * LimitProfiler.MEASUREMENT_NANOS / 1e9);
      return group.runs() * (perRun + 2.0); // JVM start, setup, teardown
    }
  }

  /**
   * Measurement iterations of 1.15 s, as long as the ten minutes allow: JMH allocates about 5.6 KB of its own per
   * iteration inside {@code -prof gc}'s window (all threads). At 0.8 s that was 36 B on a 5 ms op, a third of what
   * kpl-codec allocates per 1 MiB aggregate of 32 KiB user records; at 1.15 s it is 25 B.
   */
  static final Timing FULL = new Timing(3, 2, 5, 1.15);
  static final Timing QUICK = new Timing(1, 0.2, 1, 0.2);

  private Report() {}

  public static void main(String[] args) throws Exception {
    Timing timing = FULL;
    boolean codecRows = false;
    List<String> onlyWorkloads = null;
    List<String> onlyImplementations = null;
    Path outDir = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      switch (arg) {
        case "--quick":
          timing = QUICK;
          break;
        case "--codecs":
          codecRows = true;
          break;
        case "--workloads":
          onlyWorkloads = List.of(args[++i].split(","));
          break;
        case "--implementations":
          onlyImplementations = List.of(args[++i].split(","));
          break;
        case "--out":
          outDir = Path.of(args[++i]);
          break;
        case "--help":
        case "-h":
          usage();
          return;
        default:
          System.err.println("Unknown option " + arg);
          usage();
          System.exit(2);
      }
    }
    if (outDir == null) {
      outDir = jarDirectory();
    }
    List<Group> groups = plan(codecRows, onlyWorkloads, onlyImplementations);
    run(groups, timing, outDir);
  }

  private static void usage() {
    System.out.println(String.join("\n",
        "java -jar kpl-codec-benchmarks.jar [options]   (the whole comparison: about 9 minutes on 2 cores)",
        "  --quick                  tiny warm-up and measurement: checks that everything runs, numbers meaningless",
        "  --codecs                 also measure kpl-codec, protobuf-java and KCL through the compat interface",
        "                           (AggregationCodec.encode / AggregateDecoder.decode) on the 1 MiB workloads",
        "  --workloads a,b          only these workloads (names as in the table, e.g. 64B-uuid-1MiB)",
        "  --implementations x,y    only these implementations (e.g. kpl-codec,'kpl-codec visit',protobuf-java,KCL)",
        "  --out DIR                where report-jdk<N>.md and jmh-jdk<N>.log go (default: next to the jar)",
        "Your own codec: implement io.kplcodec.compat.AggregationCodec (or AggregateDecoder), put its jar on the class",
        "path with a META-INF/services/io.kplcodec.compat.AggregateDecoder entry, or name its class with",
        "-D" + Contenders.CODECS_PROPERTY + "=com.example.MyCodec; it is measured on the 1 MiB workloads:",
        "  java -D" + Contenders.CODECS_PROPERTY + "=com.example.MyCodec -cp kpl-codec-benchmarks.jar:my.jar "
            + Report.class.getName()));
  }

  /** Every run of the comparison, in order. */
  static List<Group> plan(boolean codecRows, List<String> onlyWorkloads, List<String> onlyImplementations) {
    List<String> aggregationWorkloads = concat(WORKLOADS_1MIB, WORKLOADS_10MIB);
    List<Group> groups = new ArrayList<>();
    groups.add(new Group(AGGREGATE, AggregationBenchmark.class, List.of("aggregate"),
        List.of(Contenders.KPL_CODEC, Contenders.PROTOBUF_JAVA), aggregationWorkloads));
    groups.add(new Group(AGGREGATE, AggregationBenchmark.class, List.of("aggregate"),
        List.of(Contenders.KPL_CODEC), WORKLOADS_SHARDED));
    groups.add(new Group(DEAGGREGATE, DeaggregationBenchmark.class, List.of("deaggregate"),
        List.of(Contenders.KPL_CODEC_VISIT, Contenders.PROTOBUF_JAVA, Contenders.KCL), WORKLOADS_1MIB));
    groups.add(new Group(DEAGGREGATE, DeaggregationBenchmark.class, List.of("deaggregate"),
        List.of(Contenders.KPL_CODEC_VISIT), WORKLOADS_10MIB));
    groups.add(new Group(DEAGGREGATE, DeaggregationBenchmark.class, List.of("deaggregate"),
        List.of(Contenders.KPL_CODEC_LIST), List.of("64B-16keys-1MiB")));
    groups.add(new Group(DEAGGREGATE, DeaggregationBenchmark.class, List.of("deaggregate"),
        List.of(Contenders.KPL_CODEC_VISIT, Contenders.KPL_CODEC_VISIT_READ_ONLY), WORKLOADS_READ_ONLY));

    List<String> codecs = new ArrayList<>(Contenders.userCodecNames());
    if (codecRows) {
      codecs.addAll(0, List.of(Contenders.KPL_CODEC, Contenders.PROTOBUF_JAVA, Contenders.KCL));
    }
    List<String> aggregatingCodecs = new ArrayList<>();
    List<String> decodingCodecs = new ArrayList<>();
    Map<String, io.kplcodec.compat.AggregateDecoder> known = Contenders.codecs();
    for (String name : codecs) {
      decodingCodecs.add(Contenders.CODEC_PREFIX + name);
      if (known.get(name) instanceof io.kplcodec.compat.AggregationCodec) {
        aggregatingCodecs.add(Contenders.CODEC_PREFIX + name);
      }
    }
    if (!aggregatingCodecs.isEmpty()) {
      groups.add(new Group(AGGREGATE, AggregationBenchmark.class, List.of("aggregate"), aggregatingCodecs,
          WORKLOADS_1MIB));
    }
    if (!decodingCodecs.isEmpty()) {
      groups.add(new Group(DEAGGREGATE, DeaggregationBenchmark.class, List.of("deaggregate"), decodingCodecs,
          WORKLOADS_1MIB));
    }
    groups.add(new Group(BATCH, BatchingBenchmark.class, List.of("batch"), List.of(Contenders.KPL_CODEC),
        WORKLOADS_BATCHING));

    // The limits need no run of their own: LimitProfiler measures them in every fork (see render).
    List<Group> filtered = new ArrayList<>();
    for (Group group : groups) {
      List<String> workloads = onlyWorkloads == null ? group.workloads
          : group.workloads.stream().filter(onlyWorkloads::contains).collect(Collectors.toList());
      List<String> implementations = onlyImplementations == null ? group.implementations
          : group.implementations.stream().filter(onlyImplementations::contains).collect(Collectors.toList());
      if (!workloads.isEmpty() && !implementations.isEmpty()) {
        filtered.add(new Group(group.operation, group.benchmark, group.methods, implementations, workloads));
      }
    }
    return filtered;
  }

  static void run(List<Group> groups, Timing timing, Path outDir) throws IOException, RunnerException {
    int feature = Runtime.version().feature();
    Files.createDirectories(outDir);
    Path log = outDir.resolve("jmh-jdk" + feature + ".log");
    Path markdown = outDir.resolve("report-jdk" + feature + ".md");
    int totalRuns = groups.stream().mapToInt(Group::runs).sum();
    double estimate = groups.stream().mapToDouble(timing::estimateSeconds).sum();
    System.out.printf(Locale.ROOT, "%d JMH runs (1 fork each, -prof gc), about %.0f s; JMH's log: %s%n", totalRuns,
        estimate, log);
    List<Row> rows = new ArrayList<>();
    long start = System.nanoTime();
    try (PrintStream jmhOut = new PrintStream(new FileOutputStream(log.toFile()), true, StandardCharsets.UTF_8)) {
      OutputFormat format = OutputFormatFactory.createFormatInstance(jmhOut, VerboseMode.NORMAL);
      int done = 0;
      for (Group group : groups) {
        System.out.printf(Locale.ROOT, "[%d/%d] %s: %s x %s%n", done + 1, totalRuns, group.operation,
            group.implementations.isEmpty() ? group.methods : group.implementations, group.workloads);
        Collection<RunResult> results = new Runner(options(group, timing), format).run();
        for (RunResult result : results) {
          Row row = row(group, result);
          rows.add(row);
          System.out.printf(Locale.ROOT, "    %-34s %-24s %12.1f us/op %10.1f MB/s %12.0f B/op%n",
              Contenders.displayName(row.implementation), row.workload, row.wallMicros,
              row.userMegabytesPerSecond(), row.bytesPerOp);
        }
        done += group.runs();
      }
    }
    double minutes = (System.nanoTime() - start) / 60e9;
    String text = render(rows, groups, timing, minutes);
    System.out.println();
    System.out.println(text);
    Files.writeString(markdown, text);
    System.out.println("Written to " + markdown);
  }

  private static org.openjdk.jmh.runner.options.Options options(Group group, Timing timing) {
    String methods = group.methods.stream().map(Pattern::quote).collect(Collectors.joining("|"));
    ChainedOptionsBuilder builder = new OptionsBuilder()
        .include("^" + Pattern.quote(group.benchmark.getName()) + "\\.(" + methods + ")$")
        .param("workload", group.workloads.toArray(new String[0]))
        .forks(1)
        .warmupIterations(timing.warmups)
        .warmupTime(time(timing.warmupSeconds))
        .measurementIterations(timing.measurements)
        .measurementTime(time(timing.measurementSeconds))
        .timeUnit(TimeUnit.MICROSECONDS)
        // LimitProfiler first: JMH runs profilers' beforeIteration in order and afterIteration in reverse, so the
        // GC profiler's window (allocation of all threads) then holds the iteration, not LimitProfiler's own objects.
        .addProfiler(LimitProfiler.class)
        .addProfiler(GCProfiler.class)
        .shouldFailOnError(true)
        .jvmArgsAppend(forkArguments());
    if (!group.implementations.isEmpty()) {
      builder.param("implementation", group.implementations.toArray(new String[0]));
    }
    return builder.build();
  }

  /** The fork's heap, fixed so that runs compare; and the user's codec classes, if any. */
  private static String[] forkArguments() {
    List<String> arguments = new ArrayList<>(List.of("-Xms2g", "-Xmx2g"));
    String codecs = System.getProperty(Contenders.CODECS_PROPERTY);
    if (codecs != null) {
      arguments.add("-D" + Contenders.CODECS_PROPERTY + "=" + codecs);
    }
    return arguments.toArray(new String[0]);
  }

  private static TimeValue time(double seconds) {
    return TimeValue.milliseconds(Math.round(seconds * 1000));
  }

  private static Row row(Group group, RunResult result) {
    String benchmark = result.getParams().getBenchmark();
    String method = benchmark.substring(benchmark.lastIndexOf('.') + 1);
    String workloadName = result.getParams().getParam("workload");
    String implementation = group.operation.equals(LIMIT)
        ? (method.equals("md5") ? Contenders.MD5_LIMIT : Contenders.ARRAYCOPY_LIMIT)
        : result.getParams().getParam("implementation");
    Workload workload = Workload.of(workloadName);
    double alloc = Double.NaN;
    for (Map.Entry<String, Result> secondary : result.getSecondaryResults().entrySet()) {
      if (secondary.getKey().endsWith("gc.alloc.rate.norm")) {
        alloc = secondary.getValue().getScore();
      }
    }
    double cpu = medianOverIterations(result, LimitProfiler.CPU);
    double md5 = medianOverIterations(result, LimitProfiler.MD5);
    double arraycopy = medianOverIterations(result, LimitProfiler.ARRAYCOPY);
    long limitBytes = workload.fullAggregate().length - 20;
    long protobufBytes = group.operation.equals(AGGREGATE) ? workload.protobufBytes()
        : group.operation.equals(BATCH) ? 0 : limitBytes;
    double ratio = protobufBytes == 0 ? Double.NaN : medianRatio(result, (double) protobufBytes / limitBytes);
    double micros = result.getPrimaryResult().getScore();
    switch (group.operation) {
      case AGGREGATE:
        return new Row(AGGREGATE, workloadName, implementation, micros, cpu, alloc, workload.userBytes(),
            workload.userRecords(), protobufBytes, workload.aggregates.length, md5, arraycopy, ratio);
      case BATCH:
        return new Row(BATCH, workloadName, implementation, micros, cpu, alloc, workload.userBytes(),
            workload.userRecords(), 0, 0, md5, arraycopy, ratio);
      default: // deaggregation and the limits: the full aggregate
        return new Row(group.operation, workloadName, implementation, micros, cpu, alloc,
            workload.fullAggregateUserBytes(), workload.fullAggregateUserRecords(), protobufBytes, 1, md5, arraycopy,
            ratio);
    }
  }

  /**
   * The ratio to the MD5 limit: for each measurement iteration, the CPU time MD5 alone needs for the protobuf bytes
   * the op produced or consumed ({@code scale} times the full aggregate that {@link LimitProfiler} hashed around that
   * very iteration) divided by the benchmark thread's CPU time per op in the iteration; the median over iterations.
   * 1.0 is as fast as physically possible.
   */
  static double medianRatio(RunResult result, double scale) {
    List<Double> ratios = new ArrayList<>();
    for (org.openjdk.jmh.results.BenchmarkResult benchmark : result.getBenchmarkResults()) {
      for (org.openjdk.jmh.results.IterationResult iteration : benchmark.getIterationResults()) {
        Result md5 = secondary(iteration, LimitProfiler.MD5);
        Result cpu = secondary(iteration, LimitProfiler.CPU);
        if (md5 != null && cpu != null) {
          ratios.add(md5.getScore() * scale / cpu.getScore());
        }
      }
    }
    return ratios.isEmpty() ? Double.NaN : median(ratios.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /** The median over measurement iterations of a secondary result, or NaN. */
  static double medianOverIterations(RunResult result, String name) {
    List<Double> values = new ArrayList<>();
    for (org.openjdk.jmh.results.BenchmarkResult benchmark : result.getBenchmarkResults()) {
      for (org.openjdk.jmh.results.IterationResult iteration : benchmark.getIterationResults()) {
        Result value = secondary(iteration, name);
        if (value != null) {
          values.add(value.getScore());
        }
      }
    }
    return values.isEmpty() ? Double.NaN : median(values.stream().mapToDouble(Double::doubleValue).toArray());
  }

  private static Result secondary(org.openjdk.jmh.results.IterationResult iteration, String name) {
    for (Map.Entry<String, Result> secondary : iteration.getSecondaryResults().entrySet()) {
      if (secondary.getKey().endsWith(name)) {
        return secondary.getValue();
      }
    }
    return null;
  }

  /** The table, the targets and how they were measured, as Markdown. */
  static String render(List<Row> measured, List<Group> groups, Timing timing, double minutes) {
    List<Row> rows = new ArrayList<>(measured);
    rows.addAll(limitRows(measured));
    StringBuilder out = new StringBuilder();
    out.append("Run ").append(ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z")))
        .append(" on ").append(System.getProperty("java.vm.name")).append(' ')
        .append(System.getProperty("java.runtime.version")).append(", ").append(machine()).append(".\n");
    out.append(String.format(Locale.ROOT, "JMH 1.37, 1 fork per benchmark, -Xms2g -Xmx2g, -prof gc; warm-up %d x %s s, "
            + "measurement %d x %s s; %d forks in %.1f min. MB/s and records/s per CPU-second of the benchmark thread; "
            + "x MD5 limit: CPU time MD5 needs for the op's protobuf bytes / the op's CPU time, both measured in the same "
            + "fork around each iteration (median over iterations); wall us/op: JMH's average time.%n%n",
        timing.warmups, trim(timing.warmupSeconds), timing.measurements, trim(timing.measurementSeconds),
        measured.size(), minutes));
    out.append("| workload | operation | implementation | MB/s of user data | user records/s | B/op | B/user record "
        + "| x MD5 limit | wall us/op |\n");
    out.append("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (Row row : ordered(rows)) {
      double ratio = row.md5Ratio();
      out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
          row.workload, operationName(row), Contenders.displayName(row.implementation),
          String.format(Locale.ROOT, "%.1f", row.userMegabytesPerSecond()), count(row.userRecordsPerSecond()),
          Double.isNaN(row.bytesPerOp) ? "-" : String.format(Locale.ROOT, "%,.0f", row.bytesPerOp),
          Double.isNaN(row.bytesPerOp) ? "-"
              : String.format(Locale.ROOT, row.bytesPerUserRecord() < 10 ? "%.3f" : "%,.0f", row.bytesPerUserRecord()),
          Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.2f", ratio),
          Double.isNaN(row.wallMicros) ? "-" : String.format(Locale.ROOT, "%,.0f", row.wallMicros)));
    }
    out.append('\n');
    out.append(Targets.evaluate(measured));
    return out.toString();
  }

  /**
   * One MD5 row and one arraycopy row per workload: the median, over the workload's forks, of what {@link
   * LimitProfiler} measured in each (op: the full aggregate's protobuf bytes once).
   */
  static List<Row> limitRows(List<Row> measured) {
    Map<String, List<Row>> byWorkload = new LinkedHashMap<>();
    for (Row row : measured) {
      if (!row.operation.equals(BATCH) && !Double.isNaN(row.md5Micros)) {
        byWorkload.computeIfAbsent(row.workload, w -> new ArrayList<>()).add(row);
      }
    }
    List<Row> limits = new ArrayList<>();
    for (Map.Entry<String, List<Row>> entry : byWorkload.entrySet()) {
      Workload workload = Workload.of(entry.getKey());
      double md5 = median(entry.getValue().stream().mapToDouble(Row::md5Micros).toArray());
      double arraycopy = median(entry.getValue().stream().mapToDouble(Row::arraycopyMicros).toArray());
      long bytes = workload.fullAggregate().length - 20;
      limits.add(new Row(LIMIT, entry.getKey(), Contenders.MD5_LIMIT, Double.NaN, md5, Double.NaN,
          workload.fullAggregateUserBytes(), workload.fullAggregateUserRecords(), bytes, 1, md5, arraycopy, 1.0));
      limits.add(new Row(LIMIT, entry.getKey(), Contenders.ARRAYCOPY_LIMIT, Double.NaN, arraycopy, Double.NaN,
          workload.fullAggregateUserBytes(), workload.fullAggregateUserRecords(), bytes, 1, md5, arraycopy,
          md5 / arraycopy));
    }
    return limits;
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  private static String operationName(Row row) {
    switch (row.operation) {
      case AGGREGATE:
        return row.workload.endsWith("shards") ? "aggregate per shard" : "aggregate";
      case DEAGGREGATE:
        return "deaggregate 1 aggregate";
      case LIMIT:
        return "limit: 1 aggregate's protobuf bytes";
      default:
        return "batch into PutRecords";
    }
  }

  /** Workload by workload: aggregation, deaggregation, limits; batching last. */
  private static List<Row> ordered(List<Row> rows) {
    List<String> workloadOrder = new ArrayList<>();
    for (String w : concat(concat(concat(WORKLOADS_1MIB, WORKLOADS_10MIB), WORKLOADS_SHARDED), WORKLOADS_READ_ONLY)) {
      workloadOrder.add(w);
    }
    Map<String, Integer> operationOrder = Map.of(AGGREGATE, 0, DEAGGREGATE, 1, LIMIT, 2, BATCH, 3);
    List<Row> sorted = new ArrayList<>(rows);
    sorted.sort((a, b) -> {
      boolean batchA = a.operation.equals(BATCH);
      boolean batchB = b.operation.equals(BATCH);
      if (batchA != batchB) {
        return batchA ? 1 : -1;
      }
      int wa = workloadOrder.indexOf(a.workload);
      int wb = workloadOrder.indexOf(b.workload);
      if (wa != wb) {
        return Integer.compare(wa < 0 ? Integer.MAX_VALUE : wa, wb < 0 ? Integer.MAX_VALUE : wb);
      }
      if (!a.workload.equals(b.workload)) {
        return a.workload.compareTo(b.workload);
      }
      return Integer.compare(operationOrder.get(a.operation), operationOrder.get(b.operation));
    });
    return sorted; // stable: implementations keep the plan's order within an operation
  }

  private static String count(double perSecond) {
    if (perSecond >= 1e6) {
      return String.format(Locale.ROOT, "%.2f M", perSecond / 1e6);
    }
    if (perSecond >= 1e3) {
      return String.format(Locale.ROOT, "%.1f k", perSecond / 1e3);
    }
    return String.format(Locale.ROOT, "%.0f", perSecond);
  }

  private static String trim(double seconds) {
    return seconds == Math.rint(seconds) ? String.valueOf((long) seconds) : String.valueOf(seconds);
  }

  /** CPU model, cores, memory, OS: what a reader needs to weigh the numbers. */
  static String machine() {
    String cpu = "unknown CPU";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          cpu = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: the model stays unknown
    }
    long memory = Runtime.getRuntime().maxMemory();
    try {
      com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
          java.lang.management.ManagementFactory.getOperatingSystemMXBean();
      memory = os.getTotalMemorySize();
    } catch (RuntimeException | LinkageError e) {
      // fall back to the heap size
    }
    return String.format(Locale.ROOT, "%s, %d cores, %d GiB, %s %s", cpu, Runtime.getRuntime().availableProcessors(),
        Math.round(memory / (double) (1L << 30)), System.getProperty("os.name"), System.getProperty("os.arch"));
  }

  private static Path jarDirectory() {
    try {
      Path location = Path.of(Report.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return Files.isDirectory(location) ? location : location.getParent();
    } catch (URISyntaxException | RuntimeException e) {
      return Path.of(".");
    }
  }

  static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  static Map<String, Row> byKey(List<Row> rows) {
    Map<String, Row> map = new LinkedHashMap<>();
    for (Row row : rows) {
      map.put(row.operation + "|" + row.workload + "|" + row.implementation, row);
    }
    return map;
  }
}
