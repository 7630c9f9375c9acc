package io.kplcodec.benchmarks.producer;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The producer benchmark: kpl-codec's {@code KinesisProducer} against the real KPL (1.0.7 and 0.15.12, each with its
 * native daemon), the same workload for each ({@link ProducerRun}), each run in a fresh JVM against a fresh {@link
 * FakeKinesis} in a process of its own. For every record size and shard count the producers run one after the
 * other, so that the ratios in the table compare runs made minutes apart at most. Prints a Markdown table and writes
 * it, with every run's raw result line, to {@code --out}.
 *
 * <p>Started by {@code benchmarks/producer-bench.sh}, which builds the module under the {@code kpl} profile and puts
 * both KPLs on this JVM's class path; each producer JVM gets that class path without the other producers' jars.
 */
public final class ProducerBenchmark {
  /** Where each producer's own jar is on the class path (a Maven repository's or the reactor's). */
  static final Map<String, List<String>> PRODUCER_JARS = Map.of(
      "kpl-0.15.12", List.of("/com/amazonaws/amazon-kinesis-producer/"),
      "kpl-1.0.7", List.of("/software/amazon/kinesis/amazon-kinesis-producer/"),
      "kpl-codec-kpl", List.of("/io/kplcodec/kpl-codec-kpl/", "/codec-kpl/target/classes"));

  private ProducerBenchmark() {}

  /** {@code --name value} pairs; a {@code --name} followed by another option or nothing is "true". */
  static Map<String, String> options(String[] args) {
    Map<String, String> options = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --option, got " + args[i]);
      }
      String name = args[i].substring(2);
      if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
        options.put(name, args[++i]);
      } else {
        options.put(name, "true");
      }
    }
    return options;
  }

  /** One producer run and what the endpoint counted for it. */
  record Run(String producer, int size, int shards, Map<String, String> result, Map<String, String> endpoint,
      String threads) {
    /** Adding threads. */
    int adders() {
      return (int) Math.max(1, number(result, "threads"));
    }

    double cpuSeconds() {
      return number(result, "jvmCpuSeconds") + number(result, "childCpuSeconds");
    }

    long records() {
      return (long) number(result, "records");
    }

    double cpuPerMillion() {
      return cpuSeconds() / records() * 1e6;
    }

    double recordsPerSecond() {
      return records() / number(result, "wallSeconds");
    }

    double peakRssMiB() {
      return (number(result, "jvmPeakRssKiB") + number(result, "childPeakRssKiB")) / 1024;
    }

    boolean complete() {
      return "true".equals(result.get("complete"));
    }
  }

  static double number(Map<String, String> values, String key) {
    String value = values.get(key);
    return value == null ? Double.NaN : Double.parseDouble(value);
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = options(args);
    List<String> producers = list(options.getOrDefault("producers", "kpl-codec,kpl-codec-kpl,kpl-1.0.7,kpl-0.15.12"));
    List<Integer> sizes = list(options.getOrDefault("sizes", "100,1024")).stream().map(Integer::valueOf).toList();
    List<Integer> shardCounts = list(options.getOrDefault("shards", "4,64")).stream().map(Integer::valueOf).toList();
    int records = Integer.parseInt(options.getOrDefault("records", "100000"));
    List<Integer> threadCounts = list(options.getOrDefault("threads", "1")).stream().map(Integer::valueOf).toList();
    int warmUp = Integer.parseInt(options.getOrDefault("warm-up", "100000"));
    String java = options.getOrDefault("java", Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String heap = options.getOrDefault("xmx", "512m");
    String rateLimit = options.getOrDefault("kpl-rate-limit", "150");
    String cbor = options.getOrDefault("cbor", "true");
    List<String> jvmArgs = list(options.getOrDefault("jvm-args", ""), " ");
    Path out = Path.of(options.getOrDefault("out", "benchmarks/target/producer-bench")).toAbsolutePath();
    Files.createDirectories(out);
    for (String producer : producers) {
      ProducerUnderTest.className(producer); // refuses unknown names before anything runs
    }

    String started = now();
    String loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
    List<Run> runs = new ArrayList<>();
    for (int size : sizes) {
      for (int shards : shardCounts) {
        for (int threads : threadCounts) {
          for (String producer : producers) {
            Run run = run(producer, size, shards, threads, records, warmUp, java, heap, rateLimit, cbor, jvmArgs,
                out);
            runs.add(run);
            System.out.println(summary(run));
          }
        }
      }
    }
    String loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
    String report = render(runs, started, now(), loadBefore, loadAfter, heap, rateLimit, cbor, jvmArgs);
    String name = "producer-report-" + started.replaceAll("[^0-9]", "").substring(0, 12) + ".md";
    Files.writeString(out.resolve(name), report);
    System.out.println();
    System.out.println(report);
    System.out.println("written to " + out.resolve(name));
  }

  private static List<String> list(String text) {
    return list(text, ",");
  }

  private static List<String> list(String text, String separator) {
    return Arrays.stream(text.split(separator)).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  private static String now() {
    return DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").format(Instant.now().atZone(ZoneOffset.UTC));
  }

  /** This JVM's class path without the jars of the producers other than {@code producer}. */
  static String classPathFor(String producer, String classPath) {
    List<String> keep = PRODUCER_JARS.getOrDefault(producer, List.of());
    return Arrays.stream(classPath.split(File.pathSeparator))
        .filter(entry -> {
          String path = entry.replace('\\', '/');
          boolean someones = PRODUCER_JARS.values().stream().flatMap(List::stream).anyMatch(path::contains);
          return !someones || keep.stream().anyMatch(path::contains);
        })
        .collect(Collectors.joining(File.pathSeparator));
  }

  private static Run run(String producer, int size, int shards, int threads, int records, int warmUp, String java,
      String heap, String rateLimit, String cbor, List<String> jvmArgs, Path out) throws Exception {
    String label = producer + "-" + size + "B-" + shards + "shards" + (threads == 1 ? "" : "-" + threads + "threads");
    Path work = Files.createDirectories(out.resolve("work"));
    String classPath = System.getProperty("java.class.path");
    Process endpoint = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-cp", classPathFor("kpl-codec", classPath), FakeKinesis.class.getName(),
        "--shards", Integer.toString(shards), "--records", Integer.toString(records), "--size",
        Integer.toString(size), "--dir", work.toString())
        .redirectError(out.resolve(label + ".endpoint.log").toFile()).start();
    try {
      BufferedReader endpointOut = new BufferedReader(
          new InputStreamReader(endpoint.getInputStream(), StandardCharsets.UTF_8));
      PrintWriter endpointIn = new PrintWriter(
          new OutputStreamWriter(endpoint.getOutputStream(), StandardCharsets.UTF_8), true);
      String portLine = endpointOut.readLine();
      if (portLine == null || !portLine.startsWith("PORT ")) {
        throw new IllegalStateException("the endpoint did not start: " + portLine + "; see "
            + out.resolve(label + ".endpoint.log"));
      }
      int port = Integer.parseInt(portLine.substring(5).trim());

      List<String> command = new ArrayList<>(List.of(java, "-Xmx" + heap));
      command.addAll(jvmArgs.stream().map(arg -> arg.replace("{run}", out.resolve(label).toString())).toList());
      command.addAll(List.of("-cp", classPathFor(producer, classPath), ProducerRun.class.getName(),
          "--producer", producer, "--records", Integer.toString(records), "--size", Integer.toString(size),
          "--port", Integer.toString(port), "--kpl-rate-limit", rateLimit, "--cbor", cbor,
          "--threads", Integer.toString(threads), "--warm-up", Integer.toString(warmUp), "--dir", work.toString()));
      ProcessBuilder builder = new ProcessBuilder(command)
          .redirectError(out.resolve(label + ".log").toFile());
      // The KPL's daemon inherits this environment: keep it off the network (no EC2 instance metadata lookups).
      Map<String, String> environment = builder.environment();
      environment.put("AWS_EC2_METADATA_DISABLED", "true");
      environment.put("AWS_ACCESS_KEY_ID", "AKIDBENCH");
      environment.put("AWS_SECRET_ACCESS_KEY", "fake");
      environment.put("AWS_REGION", "us-east-1");
      environment.put("AWS_DEFAULT_REGION", "us-east-1");
      System.err.println("== " + label + ": " + records + " user records");
      Process process = builder.start();
      String resultLine = null;
      String threadsLine = "THREADS";
      try (BufferedReader in = new BufferedReader(
          new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          if (line.startsWith("RESULT ")) {
            resultLine = line;
          } else if (line.startsWith("THREADS")) {
            threadsLine = line;
          }
        }
      }
      if (!process.waitFor((records + warmUp) / 500 + 300, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
      if (resultLine == null) {
        throw new IllegalStateException(label + " printed no result (exit " + process.exitValue() + "); see "
            + out.resolve(label + ".log"));
      }
      endpointIn.println("stats");
      String statsLine = endpointOut.readLine();
      endpointIn.println("stop");
      Files.writeString(out.resolve(label + ".result"), resultLine + "\n" + statsLine + "\n" + threadsLine + "\n");
      return new Run(producer, size, shards, pairs(resultLine), pairs(statsLine), threadsLine);
    } finally {
      if (!endpoint.waitFor(10, TimeUnit.SECONDS)) {
        endpoint.destroy();
      }
    }
  }

  static Map<String, String> pairs(String line) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String token : line.split(" ")) {
      int equals = token.indexOf('=');
      if (equals > 0) {
        values.put(token.substring(0, equals), token.substring(equals + 1));
      }
    }
    return values;
  }

  private static String summary(Run run) {
    return String.format(Locale.ROOT, "%s %d B %d shards %d adding threads: %.1f CPU-s per 10^6 records, %,.0f"
            + " records/s, %.0f MiB peak RSS, lost %s, duplicated %s%s", run.producer(), run.size(), run.shards(),
        run.adders(), run.cpuPerMillion(),
        run.recordsPerSecond(), run.peakRssMiB(), run.endpoint().get("lost"), run.endpoint().get("duplicates"),
        run.complete() ? "" : " (INCOMPLETE)");
  }

  static String render(List<Run> runs, String started, String finished, String loadBefore, String loadAfter,
      String heap, String rateLimit, String cbor, List<String> jvmArgs) {
    StringBuilder s = new StringBuilder();
    String javaVersion = runs.isEmpty() ? "?" : runs.get(0).result().get("java");
    s.append(String.format(Locale.ROOT, "Run %s to %s on %s, %d CPUs, %s; producer JVMs on Java %s at -Xmx%s%s."
            + " Load average (1, 5, 15 min) before: %s; after: %s.%n%n",
        started, finished, cpuModel(), Runtime.getRuntime().availableProcessors(), memory(), javaVersion, heap,
        jvmArgs.isEmpty() ? "" : " " + String.join(" ", jvmArgs), firstThree(loadBefore), firstThree(loadAfter)));
    s.append("Settings: ");
    runs.stream().map(run -> run.producer() + ": " + run.result().get("settings").replace('_', ' ')).distinct()
        .forEach(setting -> s.append(setting).append("; "));
    s.append(String.format(Locale.ROOT, "KPL RateLimit %s; %s user records outstanding at most.%n%n", rateLimit,
        "50,000"));
    s.append("Each run measured after a warm-up of the same workload through the same producer (user records, CPU-s in"
        + " the last column), as a producer that has been running a while.\n\n");
    s.append("| record | shards | adding threads | producer | user records | wall s | user records/s |"
        + " CPU-s (JVM + daemon) | CPU-s per 10^6 records | peak RSS MiB (JVM + daemon) |"
        + " B allocated per record (JVM) | lost | duplicated | Kinesis records (aggregated / not) | PutRecords calls |"
        + " warm-up |\n");
    s.append("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
        + " ---: |\n");
    for (Run run : runs) {
      Map<String, String> r = run.result();
      Map<String, String> e = run.endpoint();
      s.append(String.format(Locale.ROOT,
          "| %s | %d | %d | %s | %,d%s | %.1f | %,.0f | %.1f + %.1f | %.1f | %.0f + %.0f | %,.0f | %s | %s | %s / %s"
              + " | %s | %,.0f, %.1f CPU-s |%n",
          sizeName(run.size()), run.shards(), run.adders(), run.producer(), run.records(),
          run.complete() ? "" : " (incomplete: " + r.get("succeeded") + " put, " + r.get("failed") + " failed)",
          number(r, "wallSeconds"), run.recordsPerSecond(), number(r, "jvmCpuSeconds"),
          number(r, "childCpuSeconds"), run.cpuPerMillion(), number(r, "jvmPeakRssKiB") / 1024,
          number(r, "childPeakRssKiB") / 1024, number(r, "allocatedBytes") / run.records(),
          run.producer().equals("none") ? "-" : e.get("lost"), e.get("duplicates"), e.get("aggregated"),
          e.get("notAggregated"), e.get("putRecordsCalls"), number(r, "warmUp"), number(r, "warmUpCpuSeconds")));
    }
    List<String> kpls = runs.stream().map(Run::producer).filter(p -> p.startsWith("kpl-") && !p.equals("kpl-codec"))
        .distinct().toList();
    if (runs.stream().anyMatch(run -> run.producer().equals("kpl-codec")) && !kpls.isEmpty()) {
      s.append("\nkpl-codec / KPL, same record size and shard count, same run:\n\n");
      s.append("| record | shards | adding threads | KPL | CPU per user record | user records/s | peak RSS |\n");
      s.append("| --- | ---: | ---: | --- | ---: | ---: | ---: |\n");
      for (Run codec : runs) {
        if (!codec.producer().equals("kpl-codec")) {
          continue;
        }
        for (Run kpl : runs) {
          if (kpls.contains(kpl.producer()) && kpl.size() == codec.size() && kpl.shards() == codec.shards()
              && kpl.adders() == codec.adders()) {
            s.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %.2fx | %.2fx | %.2fx |%n",
                sizeName(codec.size()), codec.shards(), codec.adders(), kpl.producer(),
                codec.cpuPerMillion() / kpl.cpuPerMillion(),
                codec.recordsPerSecond() / kpl.recordsPerSecond(), codec.peakRssMiB() / kpl.peakRssMiB()));
          }
        }
      }
    }
    s.append("\nWhere each producer's CPU went during the measurement, by thread (CPU-s; pools summed, digits as #;"
        + " the 6 largest of each process):\n\n");
    s.append("| record | shards | adding threads | producer | JVM threads | daemon threads |\n"
        + "| --- | ---: | ---: | --- | --- | --- |\n");
    for (Run run : runs) {
      String jvm = "";
      String daemon = "";
      for (String part : run.threads().split(" ")) {
        List<String> top = Arrays.stream(part.substring(part.indexOf(':') + 1).split(",")).filter(t -> !t.isEmpty())
            .limit(6).map(t -> t.replace('_', ' ').replace("=", " ")).toList();
        if (part.startsWith("jvm:")) {
          jvm = String.join(", ", top);
        } else if (part.startsWith("daemon:")) {
          daemon = String.join(", ", top);
        }
      }
      s.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %s |%n", sizeName(run.size()), run.shards(),
          run.adders(), run.producer(), jvm, daemon.isEmpty() ? "-" : daemon));
    }
    return s.toString();
  }

  private static String sizeName(int size) {
    return size % 1024 == 0 ? size / 1024 + " KiB" : size + " B";
  }

  private static String firstThree(String loadavg) {
    return String.join(", ", Arrays.asList(loadavg.split(" ")).subList(0, 3));
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(line -> line.startsWith("model name"))
          .map(line -> line.substring(line.indexOf(':') + 1).trim()).findFirst().orElse("unknown CPU");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String memory() {
    try {
      return Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(line -> line.startsWith("MemTotal"))
          .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")) / (1024 * 1024) + " GiB").findFirst()
          .orElse("? GiB");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
