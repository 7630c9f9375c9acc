package io.kplcodec.cli;

import static io.kplcodec.cli.KplcJar.fixture;
import static io.kplcodec.cli.KplcJar.run;
import static io.kplcodec.cli.KplcJar.runWithInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged and unusual input is never quietly taken for something else (issue 20, items 1-3): text that looks like
 * base64 lines or JSON but does not parse is an error naming the line; a record with the KPL magic whose MD5 fails
 * is counted apart and fails unless KCL's way is asked for; empty input is an error for every command.
 */
class DamagedInputIT {
  private static final String B64_1 = Base64.getEncoder().encodeToString(bytes("aggregated.bin"));
  private static final String B64_2 = Base64.getEncoder().encodeToString(bytes("not-aggregated.bin"));

  @Test
  void base64LinesWithOneBadLineAreAnErrorNamingIt(@TempDir Path directory) throws Exception {
    Path mixed = Files.writeString(directory.resolve("mixed.b64"), B64_1 + "\n" + B64_2 + "\n{oops}\n" + B64_2 + "\n");
    for (String command : List.of("inspect", "deaggregate")) {
      KplcJar.Result result = run(command, mixed.toString());
      String error = result.assertOneLineError(1);
      assertTrue(error.startsWith("kplc " + command + ": " + mixed + " line 3: not valid base64 (read as base64 "
          + "lines, auto: text whose line 1 is base64; --format raw reads it as one record)"), error);
    }
    // The bad line first: still base64 lines (a later line is), still an error naming it.
    Path badFirst = Files.writeString(directory.resolve("bad-first.b64"), "not base64!\n" + B64_1 + "\n");
    assertTrue(run("deaggregate", badFirst.toString()).assertOneLineError(1)
        .contains("bad-first.b64 line 1: not valid base64 (read as base64 lines, auto: text whose line 2 is base64"));
  }

  @Test
  void urlSafeBase64AndAByteOrderMarkAreRead(@TempDir Path directory) throws Exception {
    String expected = run("deaggregate", fixture("aggregated.bin").toString()).assertSuccess().stdout();
    String urlSafe = B64_1.replace('+', '-').replace('/', '_').replace("=", "");
    assertTrue(urlSafe.contains("-") || urlSafe.contains("_"), "the fixture's base64 has + or /");
    Path url = Files.writeString(directory.resolve("url.b64"), urlSafe + "\n");
    assertEquals(expected, run("deaggregate", url.toString()).assertSuccess().stdout());

    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    assertEquals(expected, runWithInput(concat(bom, (B64_1 + "\r\n").getBytes(StandardCharsets.US_ASCII)),
        "deaggregate").assertSuccess().stdout());
    KplcJar.Result lambda = runWithInput(concat(bom, bytes("lambda-event.json")), "inspect").assertSuccess();
    assertTrue(lambda.stdout().startsWith("stdin: Lambda event (auto: JSON records with kinesis.data)\n"),
        lambda.stdout());
    String users = new String(concat(bom, bytes("user-records.jsonl")), StandardCharsets.UTF_8);
    assertEquals(1, runWithInput(users.getBytes(StandardCharsets.UTF_8), "aggregate").assertSuccess().stdoutLines()
        .size());
  }

  @Test
  void aLambdaEventCutInHalfIsAnErrorWithLineAndColumn(@TempDir Path directory) throws Exception {
    byte[] event = bytes("lambda-event.json");
    Path cut = Files.write(directory.resolve("cut.json"), Arrays.copyOf(event, event.length / 2));
    for (String command : List.of("inspect", "deaggregate")) {
      String error = run(command, cut.toString()).assertOneLineError(1);
      assertTrue(error.matches("kplc " + command + ": .*cut.json: invalid JSON: the input ends early .*"
          + "\\(line \\d+, column \\d+\\)"), error);
      assertFalse(error.contains("jackson") || error.contains("Feature") || error.contains("Source"), error);
    }
    // A JSON document of records, one of another shape: an error naming it, not a raw record.
    Path other = Files.writeString(directory.resolve("other.json"), "{\"Records\":[{\"kinesis\":{\"data\":\"AAE=\"}},"
        + "{\"body\":\"x\"}]}");
    assertTrue(run("inspect", other.toString()).assertOneLineError(1).endsWith("other.json Records[1]: neither a "
        + "Lambda event record (kinesis.data) nor a Kinesis API record (Data) (read as JSON; --format raw reads the "
        + "input as one record)"));
  }

  @Test
  void aTruncatedAggregateIsAnMd5MismatchAndFailsUnlessKclsWayIsAsked(@TempDir Path directory) throws Exception {
    Path truncated = Files.write(directory.resolve("trunc.bin"), Arrays.copyOf(bytes("aggregated.bin"), 100));
    KplcJar.Result inspected = run("inspect", truncated.toString());
    assertEquals("kplc inspect: 1 of 1 Kinesis record looks aggregated but failed the MD5 (truncated or corrupt?; "
        + "--allow-md5-mismatch accepts that, as KCL does)", inspected.assertOneLineError(1));
    assertTrue(inspected.stdout().contains("1 Kinesis record: 0 aggregated (0 user records), 0 not aggregated, "
        + "1 MD5 mismatch, 0 corrupt"), inspected.stdout());

    KplcJar.Result deaggregated = run("deaggregate", truncated.toString());
    assertEquals(1, deaggregated.exitCode());
    assertEquals("", deaggregated.stdout());
    assertTrue(deaggregated.stderr().contains("trunc.bin: looks aggregated (KPL magic), but the MD5 does not match: "
        + "truncated or corrupt? (--allow-md5-mismatch writes it whole as one user record, as KCL does)"),
        deaggregated.stderr());

    KplcJar.Result kcl = run("deaggregate", "--allow-md5-mismatch", truncated.toString()).assertSuccess();
    assertEquals(1, kcl.stdoutLines().size());
    assertTrue(kcl.stderr().contains("written whole as one user record, as KCL does"), kcl.stderr());

    // Too short to hold an MD5 at all, with the magic: the same class.
    Path stub = Files.write(directory.resolve("stub.bin"), Arrays.copyOf(bytes("aggregated.bin"), 10));
    assertTrue(run("inspect", stub.toString()).stdout().contains("too short for an aggregate: truncated?"));
  }

  @Test
  void emptyInputIsAnErrorForEveryCommand(@TempDir Path directory) throws Exception {
    Path empty = Files.write(directory.resolve("empty"), new byte[0]);
    Path blank = Files.writeString(directory.resolve("blank"), "\n  \n\n");
    for (String command : List.of("inspect", "deaggregate", "aggregate")) {
      assertEquals("kplc " + command + ": " + empty + " is empty: no " + (command.equals("aggregate") ? "user " : "")
          + "record to read", run(command, empty.toString()).assertOneLineError(1));
      assertTrue(run(command, blank.toString()).assertOneLineError(1).endsWith(" is empty: no "
          + (command.equals("aggregate") ? "user " : "") + "record to read"));
      assertTrue(runWithInput(new byte[0], command).assertOneLineError(1).endsWith("stdin is empty: no "
          + (command.equals("aggregate") ? "user " : "") + "record to read"));
    }
    // A GetRecords response without records is not empty input: zero records, exit 0.
    Path none = Files.writeString(directory.resolve("none.json"), "{\"Records\":[],\"MillisBehindLatest\":0}");
    assertTrue(run("inspect", none.toString()).assertSuccess().stdout().contains("0 Kinesis records"));
  }

  private static byte[] bytes(String fixture) {
    try {
      return Files.readAllBytes(fixture(fixture));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }
}
