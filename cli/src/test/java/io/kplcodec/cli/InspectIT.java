package io.kplcodec.cli;

import static io.kplcodec.cli.KplcJar.fixture;
import static io.kplcodec.cli.KplcJar.run;
import static io.kplcodec.cli.KplcJar.runWithInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kplcodec.CorruptAggregateException;
import io.kplcodec.Deaggregator;
import io.kplcodec.UserRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kplc inspect} on the committed fixtures, run as a process. */
class InspectIT {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void tableShowsEveryUserRecordOfARawAggregate() throws Exception {
    KplcJar.Result result = run("inspect", fixture("aggregated.bin").toString()).assertSuccess();
    String out = result.stdout();
    assertTrue(out.contains("aggregated.bin: raw record (auto: binary, neither JSON nor base64 lines)\n"), out);
    assertTrue(out.contains("record 1: aggregated, 4 user records, 202 bytes"), out);
    assertTrue(out.contains("SUB  PARTITION KEY  EXPLICIT HASH KEY"), out);
    assertTrue(out.matches("(?s).*\\n  0 +customer-1 +- +27 +\\{\"order\":1,\"item\":\"coffee\"}\\n.*"), out);
    assertTrue(out.matches("(?s).*\\n  1 +ключ-2 +- +27 +\\{\"order\":2,\"item\":\"чай\"}\\n.*"), out);
    assertTrue(out.matches("(?s).*\\n  2 +customer-1 +" + FixtureGenerator.MIDDLE_HASH_KEY + " +24 .*"), out);
    assertTrue(out.matches("(?s).*\\n  3 +🔑3 +- +6 +base64:AAECA//\\+\\n.*"), out);
    assertTrue(out.contains("1 Kinesis record: 1 aggregated (4 user records), 0 not aggregated, "
        + "0 MD5 mismatch, 0 corrupt"), out);
  }

  @Test
  void notAggregatedRecordsSayWhyAndAnMd5MismatchIsCountedApartAndFails() throws Exception {
    KplcJar.Result result = run("inspect", fixture("not-aggregated.bin").toString(),
        fixture("md5-mismatch.bin").toString());
    assertEquals("kplc inspect: 1 of 2 Kinesis records looks aggregated but failed the MD5 (truncated or corrupt?; "
        + "--allow-md5-mismatch accepts that, as KCL does)", result.assertOneLineError(1));
    String out = result.stdout();
    assertTrue(out.contains("record 1: not aggregated (no KPL magic), 26 bytes\n  data: hello, I am not aggregated"),
        out);
    assertTrue(out.contains("record 2: MD5 MISMATCH: looks aggregated (KPL magic), but the MD5 does not match: "
        + "truncated or corrupt?, 202 bytes"), out);
    assertTrue(out.contains("  data: base64:84mawg"), out); // binary: shown as base64, cut
    assertTrue(out.contains("2 Kinesis records: 0 aggregated (0 user records), 1 not aggregated, 1 MD5 mismatch, "
        + "0 corrupt"), out);

    // KCL's way, on request: the same report, exit code 0.
    assertEquals(out, run("inspect", "--allow-md5-mismatch", fixture("not-aggregated.bin").toString(),
        fixture("md5-mismatch.bin").toString()).assertSuccess().stdout());
    JsonNode json = MAPPER.readTree(run("inspect", "--output", "json", "--allow-md5-mismatch",
        fixture("md5-mismatch.bin").toString()).assertSuccess().stdout());
    assertEquals("md5-mismatch", json.get("status").asText());
  }

  @Test
  void corruptRecordGivesOffsetAndReasonAndExitCodeOne() throws Exception {
    byte[] corrupt = Files.readAllBytes(fixture("corrupt.bin"));
    CorruptAggregateException expected = assertThrows(CorruptAggregateException.class,
        () -> Deaggregator.create().deaggregate(corrupt));
    KplcJar.Result result = run("inspect", fixture("corrupt.bin").toString());
    assertEquals("kplc inspect: 1 of 1 Kinesis record is corrupt", result.assertOneLineError(1));
    assertTrue(result.stdout().contains("record 1: CORRUPT at offset " + expected.offset()
        + ": partition key index outside the partition key table (PARTITION_KEY_INDEX_OUT_OF_RANGE), 55 bytes"),
        result.stdout());

    JsonNode json = MAPPER.readTree(run("inspect", "--output", "json", fixture("corrupt.bin").toString()).stdout());
    assertEquals("corrupt", json.get("status").asText());
    assertEquals(expected.offset(), json.get("error").get("offset").asLong());
    assertEquals("PARTITION_KEY_INDEX_OUT_OF_RANGE", json.get("error").get("reason").asText());
  }

  @Test
  void lambdaEventIsDetectedWithItsMetadata() throws Exception {
    String out = run("inspect", fixture("lambda-event.json").toString()).assertSuccess().stdout();
    assertTrue(out.contains("lambda-event.json: Lambda event (auto: JSON records with kinesis.data)\n"), out);
    assertTrue(out.contains("2 Kinesis records: 1 aggregated (4 user records), 1 not aggregated"), out);
    assertTrue(out.contains("record 1 (Records[0]): aggregated, 4 user records, 202 bytes\n  partition key "
        + "customer-1, shardId-000000000003, sequence number " + FixtureGenerator.SEQUENCE_1
        + ", arrived 2026-01-01T00:00:00.123Z"), out);
    assertTrue(out.contains("record 2 (Records[1]): not aggregated (no KPL magic), 26 bytes\n  partition key "
        + "plain-key"), out);
  }

  @Test
  void getRecordsJsonIsDetected() throws Exception {
    String out = run("inspect", fixture("get-records.json").toString()).assertSuccess().stdout();
    assertTrue(out.contains("get-records.json: GetRecords JSON (auto: JSON records with Data)\n"), out);
    assertTrue(out.contains("arrived 2026-01-01T00:00:00.123Z"), out); // the AWS CLI's timestamp, in the one form
    assertTrue(out.contains("arrived 2026-01-01T00:00:00.500Z"), out); // the API's epoch seconds
    assertTrue(out.matches("(?s).*\\n  1 +device-8 +- +16 +temperature=21.5\\n.*"), out);
  }

  @Test
  void base64LinesFromStdin() throws Exception {
    String out = runWithInput(Files.readAllBytes(fixture("records.b64")), "inspect").assertSuccess().stdout();
    assertTrue(out.startsWith("stdin: base64 lines (auto: text whose line 1 is base64)\n"), out);
    assertTrue(out.contains("3 Kinesis records: 2 aggregated (6 user records), 1 not aggregated, "
        + "0 MD5 mismatch, 0 corrupt"), out);
  }

  @Test
  void jsonOutputCarriesExactlyWhatTheDecoderReads() throws Exception {
    for (String name : List.of("aggregated.bin", "lambda-event.json", "get-records.json", "records.b64")) {
      KplcJar.Result result = run("inspect", "--output", "json", fixture(name).toString()).assertSuccess();
      List<byte[]> records = kinesisRecordsOf(name);
      List<String> lines = result.stdoutLines();
      assertEquals(records.size(), lines.size(), name);
      for (int i = 0; i < lines.size(); i++) {
        JsonNode line = MAPPER.readTree(lines.get(i));
        List<UserRecord> expected = Deaggregator.create().deaggregate(records.get(i));
        JsonNode users = line.get("userRecords");
        assertEquals(expected.size(), users.size(), name + " record " + i);
        assertEquals(expected.get(0).isAggregated() ? "aggregated" : "not-aggregated", line.get("status").asText());
        for (int u = 0; u < users.size(); u++) {
          UserRecord user = expected.get(u);
          JsonNode node = users.get(u);
          assertEquals(user.subSequenceNumber(), node.get("subSequenceNumber").asLong());
          if (user.isAggregated()) {
            assertEquals(user.partitionKey(), node.get("partitionKey").asText());
          }
          assertEquals(user.explicitHashKey(), node.has("explicitHashKey") ? node.get("explicitHashKey").asText()
              : null);
          byte[] data = node.has("data") ? node.get("data").asText().getBytes(StandardCharsets.UTF_8)
              : Base64.getDecoder().decode(node.get("dataBase64").asText());
          assertEquals(Base64.getEncoder().encodeToString(user.dataBytes()),
              Base64.getEncoder().encodeToString(data), name + " record " + i + " user record " + u);
        }
      }
    }
  }

  @Test
  void directoryAndExplicitFormat(@TempDir Path directory) throws Exception {
    Files.copy(fixture("aggregated.bin"), directory.resolve("a.bin"));
    Files.copy(fixture("not-aggregated.bin"), directory.resolve("b.bin"));
    String out = run("inspect", directory.toString()).assertSuccess().stdout();
    assertTrue(out.contains("a.bin: raw record") && out.contains("b.bin: raw record"), out);
    assertTrue(out.indexOf("a.bin") < out.indexOf("b.bin"), "name order");

    // A JSON file read as one raw record, on request: not aggregated, the JSON text as its data.
    out = run("inspect", "--format", "raw", fixture("lambda-event.json").toString()).assertSuccess().stdout();
    assertTrue(out.contains("lambda-event.json: raw record\n"), out);
    assertTrue(out.contains("not aggregated (no KPL magic)"), out);

    // JSON of another shape is a raw record when auto-detecting, and says so.
    Files.writeString(directory.resolve("c.json"), "{\"order\":1}");
    out = run("inspect", directory.resolve("c.json").toString()).assertSuccess().stdout();
    assertTrue(out.contains("c.json: raw record (auto: JSON, but not a Lambda event or GetRecords output"), out);
  }

  @Test
  void malformedInputIsOneLineWithWhere(@TempDir Path directory) throws Exception {
    Path badBase64 = directory.resolve("bad.b64");
    Files.writeString(badBase64, Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}) + "\nnot*base64\n");
    String error = run("inspect", "--format", "base64", badBase64.toString()).assertOneLineError(1);
    assertTrue(error.startsWith("kplc inspect: " + badBase64 + " line 2: not valid base64"), error);

    Path badJson = directory.resolve("bad.json");
    Files.writeString(badJson, "{\"Records\": [{\"kinesis\": {\"data\": \"AAE=\"}},]}");
    error = run("inspect", "--format", "lambda", badJson.toString()).assertOneLineError(1);
    assertTrue(error.startsWith("kplc inspect: " + badJson + ": invalid JSON: "), error);
    assertTrue(error.contains("(line 1, column "), error);

    error = run("inspect", "--format", "lambda", fixture("get-records.json").toString()).assertOneLineError(1);
    assertTrue(error.endsWith("get-records.json Records[0]: not a Lambda Kinesis event record (no kinesis.data)"),
        error);

    Path badData = directory.resolve("bad-data.json");
    Files.writeString(badData, "{\"Records\":[{\"Data\":\"%%%\",\"PartitionKey\":\"k\"}]}");
    error = run("inspect", badData.toString()).assertOneLineError(1);
    assertTrue(error.contains("bad-data.json Records[0]: Data is not valid base64"), error);

    error = run("inspect", directory.resolve("missing.bin").toString()).assertOneLineError(1);
    assertTrue(error.endsWith("missing.bin: no such file"), error);
    assertFalse(error.contains("Exception"), error);
  }

  /** The Kinesis records a fixture holds, decoded here independently of kplc. */
  private static List<byte[]> kinesisRecordsOf(String name) throws Exception {
    byte[] content = Files.readAllBytes(fixture(name));
    List<byte[]> records = new ArrayList<>();
    if (name.endsWith(".bin")) {
      records.add(content);
    } else if (name.endsWith(".b64")) {
      for (String line : new String(content, StandardCharsets.UTF_8).split("\n")) {
        records.add(Base64.getDecoder().decode(line));
      }
    } else {
      for (JsonNode record : MAPPER.readTree(content).get("Records")) {
        String data = record.has("kinesis") ? record.get("kinesis").get("data").asText() : record.get("Data").asText();
        records.add(Base64.getDecoder().decode(data));
      }
    }
    return records;
  }
}
