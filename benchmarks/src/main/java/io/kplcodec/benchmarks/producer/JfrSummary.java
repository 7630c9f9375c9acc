package io.kplcodec.benchmarks.producer;

import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a producer JVM's Java threads spent their time, from a flight recording's execution samples within the
 * measurement ({@code --from}/{@code --to}, epoch milliseconds, as {@link ProducerRun} prints them): by thread, by
 * part (the first frame from the top that is not the JDK's own collections, locks and language runtime, so that a
 * HashMap call counts for whoever made it), the methods on top of the stack, and the kpl-codec and SDK methods on the
 * stack (inclusive). Usage: {@code JfrSummary recording.jfr [--from MS --to MS] [--top N]}.
 */
public final class JfrSummary {
  private JfrSummary() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> options = ProducerBenchmark.options(java.util.Arrays.copyOfRange(args, 1, args.length));
    long from = Long.parseLong(options.getOrDefault("from", "0"));
    long to = Long.parseLong(options.getOrDefault("to", Long.toString(Long.MAX_VALUE)));
    int top = Integer.parseInt(options.getOrDefault("top", "20"));
    Map<String, Integer> threads = new HashMap<>();
    Map<String, Integer> parts = new HashMap<>();
    Map<String, Integer> selfMethods = new HashMap<>();
    Map<String, Integer> inclusive = new HashMap<>();
    int samples = 0;
    for (RecordedEvent event : RecordingFile.readAllEvents(Path.of(args[0]))) {
      if (!event.getEventType().getName().equals("jdk.ExecutionSample")) {
        continue;
      }
      Instant time = event.getStartTime();
      if (time.toEpochMilli() < from || time.toEpochMilli() > to) {
        continue;
      }
      RecordedStackTrace stack = event.getStackTrace();
      if (stack == null || stack.getFrames().isEmpty()) {
        continue;
      }
      samples++;
      RecordedThread thread = event.getThread("sampledThread");
      threads.merge(thread == null ? "?" : thread.getJavaName().replaceAll("[0-9]+$", "#"), 1, Integer::sum);
      List<RecordedFrame> frames = stack.getFrames();
      selfMethods.merge(name(frames.get(0).getMethod()), 1, Integer::sum);
      parts.merge(part(frames), 1, Integer::sum);
      Set<String> seen = new HashSet<>();
      for (RecordedFrame frame : frames) {
        String method = name(frame.getMethod());
        if ((method.startsWith("io.kplcodec.") || method.startsWith("software.amazon.awssdk.")
            || method.startsWith("io.netty.")) && !method.startsWith("io.kplcodec.benchmarks.")
            && !method.contains("$$Lambda") && !method.contains(".lambda$") && seen.add(method)) {
          inclusive.merge(method, 1, Integer::sum);
        }
      }
    }
    System.out.printf(Locale.ROOT, "%d execution samples in the window%n", samples);
    print("Thread", threads, samples, top);
    print("Part (first frame that is not JDK collections, locks or runtime)", parts, samples, top);
    print("Method on top of the stack (self)", selfMethods, samples, top);
    print("kpl-codec, SDK and Netty methods on the stack (inclusive; lambdas left out)", inclusive, samples, top);
  }

  private static String name(RecordedMethod method) {
    return method.getType().getName() + "." + method.getName();
  }

  /** The part of the producer a sample belongs to, from the first frame that says. */
  static String part(List<RecordedFrame> frames) {
    for (RecordedFrame frame : frames) {
      String type = frame.getMethod().getType().getName();
      if (type.startsWith("sun.security.provider.MD5") || type.startsWith("sun.security.provider.DigestBase")) {
        return "MD5 (java.security)";
      }
      if (type.startsWith("com.sun.crypto.") || type.startsWith("sun.security.ssl.")
          || type.startsWith("javax.net.ssl.") || type.startsWith("sun.security.")) {
        return "TLS (JDK)";
      }
      if (type.startsWith("io.kplcodec.benchmarks.")) {
        return "workload (harness: UUID key, data array, completion)";
      }
      if (type.startsWith("io.kplcodec.aws.")) {
        return "kpl-codec producer (" + type.substring("io.kplcodec.aws.".length()).replaceAll("\\$.*", "") + ")";
      }
      if (type.startsWith("io.kplcodec.")) {
        return "kpl-codec core (aggregation, encoding)";
      }
      if (type.startsWith("software.amazon.awssdk.")) {
        return "SDK v2 (" + sdkPart(type) + ")";
      }
      if (type.startsWith("io.netty.")) {
        return "Netty";
      }
      if (type.startsWith("java.util.UUID") || type.startsWith("java.util.SplittableRandom")) {
        return "workload (harness: UUID key, data array, completion)";
      }
      if (type.startsWith("jdk.jfr.")) {
        return "JFR";
      }
    }
    String top = frames.get(0).getMethod().getType().getName();
    return "JDK (" + top.replaceAll("\\.[^.]*$", "") + ")";
  }

  private static String sdkPart(String type) {
    if (type.contains(".protocols.")) {
      return "marshalling";
    }
    if (type.contains(".auth.") || type.contains(".signer.")) {
      return "signing";
    }
    if (type.contains(".http.")) {
      return "HTTP pipeline";
    }
    return "other";
  }

  private static void print(String title, Map<String, Integer> counts, int samples, int top) {
    System.out.println();
    System.out.println("| " + title + " | samples | % |");
    System.out.println("| --- | ---: | ---: |");
    counts.entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
        .forEach(e -> System.out.printf(Locale.ROOT, "| %s | %d | %.1f |%n", e.getKey(), e.getValue(),
            100.0 * e.getValue() / samples));
  }
}
