package io.kplcodec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.local.testing.KinesaliteAssumptions;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the packaged jar ({@code target/kplc.jar}, built by {@code mvn package}) as a separate process, as a user
 * does, and captures what it prints.
 */
final class KplcJar {
  static final Path JAR = Paths.get(System.getProperty("kplc.jar", "target/kplc.jar")).toAbsolutePath();
  static final Path FIXTURES = Paths.get(System.getProperty("kplc.fixtures", "src/test/resources/fixtures"))
      .toAbsolutePath();
  private static final Duration TIMEOUT = Duration.ofSeconds(120);

  private KplcJar() {}

  /** What a run printed and returned. */
  record Result(int exitCode, String stdout, String stderr) {
    List<String> stdoutLines() {
      return stdout.isEmpty() ? List.of() : Arrays.asList(stdout.split("\n"));
    }

    /** Exit code 0 and nothing on stderr. */
    Result assertSuccess() {
      assertEquals(0, exitCode, () -> "exit code; stderr: " + stderr);
      return this;
    }

    /**
     * The given exit code and exactly one line on stderr, {@code kplc <command>: ...}, without a stack trace.
     *
     * @return that line
     */
    String assertOneLineError(int expectedExitCode) {
      assertEquals(expectedExitCode, exitCode, () -> "exit code; stdout: " + stdout + "\nstderr: " + stderr);
      String[] lines = stderr.strip().split("\n");
      assertEquals(1, lines.length, () -> "one line on stderr, not:\n" + stderr);
      assertTrue(lines[0].startsWith("kplc"), lines[0]);
      assertFalse(stderr.contains("\tat "), "no stack trace");
      return lines[0];
    }
  }

  static Path fixture(String name) {
    return FIXTURES.resolve(name);
  }

  static Result run(String... args) throws Exception {
    return run(null, Map.of(), args);
  }

  static Result runWithInput(byte[] stdin, String... args) throws Exception {
    return run(stdin, Map.of(), args);
  }

  /**
   * Runs the jar with {@code args}, {@code stdin} (null: empty) and extra environment variables (an empty value
   * removes the variable).
   */
  static Result run(byte[] stdin, Map<String, String> environment, String... args) throws Exception {
    assertTrue(Files.isRegularFile(JAR), JAR + " is missing: the integration tests run after mvn package");
    Path directory = Files.createTempDirectory("kplc-run");
    Path in = directory.resolve("stdin");
    Path out = directory.resolve("stdout");
    Path err = directory.resolve("stderr");
    Files.write(in, stdin == null ? new byte[0] : stdin);
    ProcessBuilder builder = new ProcessBuilder(command(args))
        .redirectInput(in.toFile())
        .redirectOutput(out.toFile())
        .redirectError(err.toFile());
    environment.forEach((name, value) -> {
      if (value.isEmpty()) {
        builder.environment().remove(name);
      } else {
        builder.environment().put(name, value);
      }
    });
    Process process = builder.start();
    if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("kplc " + String.join(" ", args) + " did not finish in " + TIMEOUT + "; stderr: "
          + Files.readString(err));
    }
    Result result = new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
    deleteRecursively(directory);
    return result;
  }

  /** Starts the jar with {@code args}, its output going to {@code stdout} and {@code stderr}. */
  static Process start(Path stdout, Path stderr, String... args) throws IOException {
    assertTrue(Files.isRegularFile(JAR), JAR + " is missing: the integration tests run after mvn package");
    return new ProcessBuilder(command(args))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(stdout.toFile())
        .redirectError(stderr.toFile())
        .start();
  }

  /**
   * Starts the jar with extra JVM options ({@code -Xmx32m}), stdin from {@code stdin} (null: none) and stdout as a
   * pipe the caller reads ({@link Process#getInputStream}) and may close, as {@code | head -1} does.
   */
  static Process startPiped(List<String> jvmOptions, Path stdin, Path stderr, String... args) throws IOException {
    assertTrue(Files.isRegularFile(JAR), JAR + " is missing: the integration tests run after mvn package");
    List<String> command = command(args);
    command.addAll(1, jvmOptions);
    return new ProcessBuilder(command)
        .redirectInput(stdin == null ? ProcessBuilder.Redirect.from(new File("/dev/null"))
            : ProcessBuilder.Redirect.from(stdin.toFile()))
        .redirectOutput(ProcessBuilder.Redirect.PIPE)
        .redirectError(stderr.toFile())
        .start();
  }

  /** The command line that runs the jar with {@code args}. */
  static List<String> command(String... args) {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    if (args.length == 0 || !args[0].equals("demo")) {
      // Perf: these runs last a second or two, mostly JVM start; C1 only and the serial collector halve their CPU
      // time, which the ~90 runs of this suite add up. The demo runs as a user runs it: its speed is part of the test.
      command.add("-XX:TieredStopAtLevel=1");
      command.add("-XX:+UseSerialGC");
    }
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(Arrays.asList(args));
    return command;
  }

  /** Skips the calling test when kinesalite cannot run here, saying why (see KinesaliteAssumptions). */
  static void skipUnlessKinesaliteAvailable() {
    KinesaliteAssumptions.assumeKinesaliteAvailable();
  }

  static void deleteRecursively(Path path) throws IOException {
    if (!Files.exists(path)) {
      return;
    }
    try (var walk = Files.walk(path)) {
      for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Waits up to a minute for {@code text} to appear in {@code file}, written by a running {@code process}. */
  static void awaitContent(Path file, String text, Process process) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!(Files.exists(file) && Files.readString(file).contains(text))) {
      assertTrue(process.isAlive(), () -> "kplc exited: " + read(file));
      assertTrue(System.nanoTime() < deadline, () -> "no '" + text + "' in " + read(file));
      Thread.sleep(50);
    }
  }

  private static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "(nothing)";
    } catch (IOException e) {
      return e.toString();
    }
  }
}
