package io.kplcodec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.Aggregator;
import io.kplcodec.KinesisRecord;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pipes and memory (issue 20, items 4 and 5): every command streams, so its first output comes at once and its
 * memory is bounded by the largest record, whatever the input's size; a closed stdout stops it at once, exit 0.
 */
class StreamingIT {
  /** The heap the memory tests give kplc; each input is several times bigger. */
  private static final String HEAP = "-Xmx48m";
  private static final long INPUT_BYTES = 5L * 48 * 1024 * 1024;
  private static final int USER_RECORDS_PER_AGGREGATE = 60;

  @TempDir
  static Path directory;
  static Path base64Lines;
  static Path jsonLines;
  static long kinesisRecords;

  /**
   * About 250 MB each (five times the heap): one ~1 MB aggregate of 60 user records, repeated, as base64 lines and
   * as JSON lines of GetRecords records.
   */
  @BeforeAll
  static void writeBigInputs() throws Exception {
    Random random = new Random(20);
    Aggregator aggregator = Aggregator.builder().maxUserRecordsPerAggregate(USER_RECORDS_PER_AGGREGATE).build();
    List<KinesisRecord> records = new java.util.ArrayList<>();
    for (int i = 0; i < USER_RECORDS_PER_AGGREGATE; i++) {
      byte[] data = new byte[16_000];
      random.nextBytes(data);
      KinesisRecord completed = aggregator.add("key-" + i, null, data);
      if (completed != null) {
        records.add(completed);
      }
    }
    records.addAll(aggregator.flush());
    assertEquals(1, records.size());
    String line = Base64.getEncoder().encodeToString(records.get(0).dataBytes());
    byte[] base64Line = (line + "\n").getBytes(StandardCharsets.US_ASCII);
    byte[] jsonLine = ("{\"SequenceNumber\":\"1\",\"PartitionKey\":\"key-0\",\"Data\":\"" + line + "\"}\n")
        .getBytes(StandardCharsets.US_ASCII);
    kinesisRecords = INPUT_BYTES / base64Line.length;
    base64Lines = directory.resolve("big.b64");
    jsonLines = directory.resolve("big.jsonl");
    try (OutputStream b = Files.newOutputStream(base64Lines); OutputStream j = Files.newOutputStream(jsonLines)) {
      for (long i = 0; i < kinesisRecords; i++) {
        b.write(base64Line);
        j.write(jsonLine);
      }
    }
  }

  @Test
  void deaggregateOfInputsFiveTimesTheHeapStreamsWithinIt() throws Exception {
    for (Path input : List.of(base64Lines, jsonLines)) {
      Path stderr = directory.resolve("stderr-" + input.getFileName());
      long started = System.nanoTime();
      Process process = KplcJar.startPiped(List.of(HEAP), input, stderr, "deaggregate", "-");
      long lines = 0;
      long firstLineNanos = -1;
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        while (out.readLine() != null) {
          if (lines++ == 0) {
            firstLineNanos = System.nanoTime() - started;
          }
        }
      }
      assertTrue(process.waitFor(120, TimeUnit.SECONDS), "deaggregate finished");
      assertEquals(0, process.exitValue(), () -> input + ": " + read(stderr));
      assertEquals(kinesisRecords * USER_RECORDS_PER_AGGREGATE, lines, input.toString());
      assertTrue(Files.size(input) > 4 * 48L * 1024 * 1024, "the input is over four times the heap");
      // A whole-input reader would take seconds before its first line (and run out of heap first).
      long firstLineMillis = TimeUnit.NANOSECONDS.toMillis(firstLineNanos);
      assertTrue(firstLineMillis < 5_000, input + ": first line after " + firstLineMillis + " ms");
    }
  }

  @Test
  void aClosedStdoutStopsEveryReadingCommandAtOnceWithExitCodeZero() throws Exception {
    for (String command : List.of("inspect", "deaggregate")) {
      Path stderr = directory.resolve("stderr-closed-" + command);
      Process process = KplcJar.startPiped(List.of(HEAP), null, stderr, command, base64Lines.toString());
      BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8));
      out.readLine();
      out.readLine();
      long closed = System.nanoTime();
      out.close(); // as head -2 exits
      assertTrue(process.waitFor(20, TimeUnit.SECONDS), command + " still running after its stdout closed");
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closed);
      assertEquals(0, process.exitValue(), () -> command + ": " + read(stderr));
      assertEquals("", read(stderr).strip(), command);
      assertTrue(millis < 10_000, command + " stopped " + millis + " ms after its stdout closed");
    }
  }

  static String read(Path file) {
    try {
      return Files.exists(file) ? Files.readString(file) : "";
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
