package io.kplcodec.benchmarks.producer;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time and peak resident memory of this JVM and every process it started (the KPL's daemon), from Linux's
 * {@code /proc}: utime + stime of {@code /proc/<pid>/stat} (all threads of the process) and {@code VmHWM} of {@code
 * /proc/<pid>/status}.
 */
final class ProcessTree {
  /** Linux's USER_HZ: the unit of utime and stime (100 on every x86-64 and arm64 kernel). */
  static final long TICKS_PER_SECOND = 100;

  /** One process at one moment. */
  record Sample(long pid, String name, long cpuTicks, long peakRssKiB) {
    double cpuSeconds() {
      return cpuTicks / (double) TICKS_PER_SECOND;
    }
  }

  private ProcessTree() {}

  /** This process first, then its descendants alive now. */
  static List<Sample> sample() {
    List<Sample> samples = new ArrayList<>();
    ProcessHandle self = ProcessHandle.current();
    add(samples, self.pid());
    self.descendants().forEach(process -> add(samples, process.pid()));
    return samples;
  }

  private static void add(List<Sample> samples, long pid) {
    try {
      samples.add(read(pid));
    } catch (NoSuchFileException gone) {
      // ended between listing and reading: its time is lost to us (the report says when a daemon's is)
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/" + pid, e);
    }
  }

  /**
   * CPU ticks of each thread of a process by thread name, each run of digits replaced by {@code #} so that a pool adds
   * up ("GC Thread#0" and "GC Thread#1" both count as "GC Thread##"); threads that ended are not counted.
   */
  static Map<String, Long> threads(long pid) {
    Map<String, Long> ticks = new TreeMap<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks) {
        try {
          Sample thread = read(Path.of(task.toString(), "stat"), null);
          ticks.merge(thread.name().replaceAll("(?<=[#-])[0-9]+|[0-9]+$", "#"), thread.cpuTicks(), Long::sum);
        } catch (NoSuchFileException ended) {
          // ended between listing and reading
        }
      }
    } catch (IOException e) {
      // the process ended: nothing to count
    }
    return ticks;
  }

  static Sample read(long pid) throws IOException {
    return read(Path.of("/proc", Long.toString(pid), "stat"), Path.of("/proc", Long.toString(pid), "status"));
  }

  private static Sample read(Path statFile, Path statusFile) throws IOException {
    long pid = Long.parseLong(statFile.getParent().getFileName().toString());
    String stat = Files.readString(statFile);
    // The command name, in parentheses, may hold spaces: the fields after it are counted from its end.
    int close = stat.lastIndexOf(')');
    String name = stat.substring(stat.indexOf('(') + 1, close);
    String[] fields = stat.substring(close + 2).split(" ");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // fields 14 and 15: utime, stime
    long peak = 0;
    for (String line : statusFile == null ? List.<String>of() : Files.readAllLines(statusFile)) {
      if (line.startsWith("VmHWM:")) {
        peak = Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
      }
    }
    return new Sample(pid, name, ticks, peak);
  }
}
