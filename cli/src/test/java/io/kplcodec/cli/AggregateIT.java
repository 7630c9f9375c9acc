package io.kplcodec.cli;

import static io.kplcodec.cli.KplcJar.fixture;
import static io.kplcodec.cli.KplcJar.run;
import static io.kplcodec.cli.KplcJar.runWithInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kplcodec.Classification;
import io.kplcodec.Deaggregator;
import io.kplcodec.ShardMap;
import io.kplcodec.UserRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kplc aggregate} and {@code kplc deaggregate}, run as processes. */
class AggregateIT {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Comparator<Expected> ORDER = Comparator.comparing(Expected::dataBase64);

  /** A user record as its JSON line means it: partition key, explicit hash key, data bytes (base64). */
  record Expected(String partitionKey, String explicitHashKey, String dataBase64) {}

  @Test
  void aggregateThenDeaggregateGivesTheSameUserRecordsBack() throws Exception {
    KplcJar.Result aggregated = run("aggregate", fixture("user-records.jsonl").toString()).assertSuccess();
    assertEquals("", aggregated.stderr());
    List<String> lines = aggregated.stdoutLines();
    assertEquals(1, lines.size(), "14 small user records fit one aggregate");
    assertEquals(Classification.AGGREGATED, Deaggregator.create().classify(Base64.getDecoder().decode(lines.get(0))));

    KplcJar.Result deaggregated = runWithInput(aggregated.stdout().getBytes(StandardCharsets.UTF_8), "deaggregate")
        .assertSuccess();
    assertEquals(expectedUserRecords(), parse(deaggregated.stdoutLines()));
  }

  @Test
  void putRecordsEntriesOutput() throws Exception {
    List<String> lines = run("aggregate", "--output", "json", "--max-user-records", "5",
        fixture("user-records.jsonl").toString()).assertSuccess().stdoutLines();
    assertEquals(3, lines.size(), "14 user records, at most 5 per aggregate");
    List<Expected> users = new ArrayList<>();
    for (String line : lines) {
      JsonNode entry = MAPPER.readTree(line);
      byte[] data = Base64.getDecoder().decode(entry.get("Data").asText());
      List<UserRecord> decoded = Deaggregator.create().deaggregate(data);
      assertTrue(decoded.size() <= 5);
      assertEquals(decoded.get(0).partitionKey(), entry.get("PartitionKey").asText(), "its first user record's key");
      decoded.forEach(u -> users.add(expected(u)));
    }
    assertEquals(expectedUserRecords(), users);
  }

  @Test
  void perShardAggregatesHoldOnlyTheirShardsUserRecords() throws Exception {
    ShardMap fourShards = ShardMapReader.evenShards(4);
    checkPerShard(run("aggregate", "--shards", "4", "--output", "json", fixture("user-records.jsonl").toString()),
        fourShards);
    // The fixture's shard 0 is closed (split into 4 and 5): only the open shards count.
    ShardMap split = ShardMap.builder()
        .add("shardId-000000000004", "0", "42535295865117307932921825928971026431")
        .add("shardId-000000000005", "42535295865117307932921825928971026432", "85070591730234615865843651857942052863")
        .add("shardId-000000000001", fourShards.range("shardId-000000000001"))
        .add("shardId-000000000002", fourShards.range("shardId-000000000002"))
        .add("shardId-000000000003", fourShards.range("shardId-000000000003"))
        .build();
    checkPerShard(run("aggregate", "--shard-map", fixture("list-shards.json").toString(), "--output", "json",
        fixture("user-records.jsonl").toString()), split);
  }

  private static void checkPerShard(KplcJar.Result result, ShardMap shardMap) throws Exception {
    List<Expected> users = new ArrayList<>();
    for (String line : result.assertSuccess().stdoutLines()) {
      JsonNode entry = MAPPER.readTree(line);
      String landsOn = shardMap.shardIdFor(entry.get("PartitionKey").asText(), entry.get("ExplicitHashKey").asText());
      byte[] data = Base64.getDecoder().decode(entry.get("Data").asText());
      for (UserRecord user : Deaggregator.create().deaggregate(data)) {
        assertEquals(landsOn, shardMap.shardIdFor(user.partitionKey(), user.explicitHashKey()), user.toString());
        users.add(expected(user));
      }
    }
    assertEquals(expectedUserRecords().stream().sorted(ORDER).toList(), users.stream().sorted(ORDER).toList());
  }


  @Test
  void maxRecordSizeIsNeverExceeded() throws Exception {
    List<String> lines = run("aggregate", "--max-record-size", "200", "--output", "json",
        fixture("user-records.jsonl").toString()).assertSuccess().stdoutLines();
    assertTrue(lines.size() > 5, "small records: many aggregates");
    List<Expected> users = new ArrayList<>();
    for (String line : lines) {
      JsonNode entry = MAPPER.readTree(line);
      byte[] data = Base64.getDecoder().decode(entry.get("Data").asText());
      long size = data.length + entry.get("PartitionKey").asText().getBytes(StandardCharsets.UTF_8).length;
      assertTrue(size <= 200, "record of " + size + " bytes");
      Deaggregator.create().deaggregate(data).forEach(u -> users.add(expected(u)));
    }
    assertEquals(expectedUserRecords(), users);
  }

  @Test
  void outputDirectoryThenInspectIt(@TempDir Path directory) throws Exception {
    Path out = directory.resolve("out");
    KplcJar.Result result = run("aggregate", "--shards", "4", "--output-dir", out.toString(),
        fixture("user-records.jsonl").toString()).assertSuccess();
    assertTrue(result.stderr().startsWith("kplc aggregate: aggregated 14 user records"), result.stderr());
    List<Path> files;
    try (Stream<Path> list = Files.list(out)) {
      files = list.sorted().toList();
    }
    assertEquals(4, files.size());
    assertEquals("record-000001.bin", files.get(0).getFileName().toString());
    String inspected = run("inspect", out.toString()).assertSuccess().stdout();
    assertTrue(inspected.contains("4 Kinesis records: 4 aggregated (14 user records), 0 not aggregated, "
        + "0 MD5 mismatch, 0 corrupt"),
        inspected);
    assertEquals(expectedUserRecords().stream().sorted(ORDER).toList(),
        parse(run("deaggregate", out.toString()).assertSuccess().stdoutLines()).stream().sorted(ORDER).toList());

    String error = run("aggregate", "--output-dir", out.toString(), fixture("user-records.jsonl").toString())
        .assertOneLineError(1);
    assertTrue(error.endsWith("already holds record-*.bin files: choose an empty directory, or --force replaces them"),
        error);
  }

  @Test
  void loneUserRecordIsWrappedUnlessAskedToBeRawAsTheKplDoes() throws Exception {
    byte[] one = "{\"partitionKey\":\"solo\",\"data\":\"alone\"}\n".getBytes(StandardCharsets.UTF_8);
    byte[] wrapped = Base64.getDecoder().decode(runWithInput(one, "aggregate").assertSuccess().stdout().strip());
    assertEquals("solo", Deaggregator.create().deaggregate(wrapped).get(0).partitionKey());
    byte[] raw = Base64.getDecoder().decode(runWithInput(one, "aggregate", "--raw-lone-records").assertSuccess()
        .stdout().strip());
    assertEquals("alone", new String(raw, StandardCharsets.UTF_8));
  }

  /** Issue 22: explicit hash keys in the other forms the KPL accepts are written and sent as it does, canonically. */
  @Test
  void explicitHashKeysInTheKplsOtherFormsAreSentCanonically() throws Exception {
    byte[] two = lines("{\"partitionKey\":\"a\",\"explicitHashKey\":\"00042\",\"data\":\"x\"}",
        "{\"partitionKey\":\"b\",\"explicitHashKey\":\" +42\",\"data\":\"y\"}");
    JsonNode entry = MAPPER.readTree(runWithInput(two, "aggregate", "--output", "json").assertSuccess().stdout());
    assertEquals("42", entry.get("ExplicitHashKey").asText());
    List<UserRecord> users =
        Deaggregator.create().deaggregate(Base64.getDecoder().decode(entry.get("Data").asText()));
    assertEquals(List.of("42", "42"), users.stream().map(UserRecord::explicitHashKey).toList());

    byte[] one = lines("{\"partitionKey\":\"a\",\"explicitHashKey\":\"+007\",\"data\":\"x\"}");
    JsonNode raw = MAPPER.readTree(runWithInput(one, "aggregate", "--output", "json", "--raw-lone-records")
        .assertSuccess().stdout());
    assertEquals("7", raw.get("ExplicitHashKey").asText());
  }

  @Test
  void theAwsClisPascalCaseEntriesAreReadAndOutputDirTakesForce(@TempDir Path directory) throws Exception {
    // aggregate --output json writes PutRecords entries; read back, each entry is one user record (Data in base64).
    List<String> entries = run("aggregate", "--output", "json", "--raw-lone-records", "--max-user-records", "1",
        fixture("user-records.jsonl").toString()).assertSuccess().stdoutLines();
    List<String> users = runWithInput(String.join("\n", entries).getBytes(StandardCharsets.UTF_8), "aggregate")
        .assertSuccess().stdoutLines();
    List<Expected> back = parse(runWithInput(String.join("\n", users).getBytes(StandardCharsets.UTF_8),
        "deaggregate").assertSuccess().stdoutLines());
    assertEquals(expectedUserRecords().stream().map(e -> e.dataBase64()).sorted().toList(),
        back.stream().map(e -> e.dataBase64()).sorted().toList());

    Path out = directory.resolve("out");
    run("aggregate", "--output-dir", out.toString(), fixture("user-records.jsonl").toString()).assertSuccess();
    assertEquals("kplc aggregate: " + out + " already holds record-*.bin files: choose an empty directory, or "
        + "--force replaces them", run("aggregate", "--output-dir", out.toString(),
        fixture("user-records.jsonl").toString()).assertOneLineError(1));
    run("aggregate", "--output-dir", out.toString(), "--force", "--max-user-records", "7",
        fixture("user-records.jsonl").toString()).assertSuccess();
    try (Stream<Path> files = Files.list(out)) {
      assertEquals(2, files.count(), "the earlier run's files replaced, not mixed in");
    }
  }

  @Test
  void putValidateOnlyChecksEveryLineWithoutAnEndpoint() throws Exception {
    assertTrue(run("put", "--stream", "s", "--validate-only", fixture("user-records.jsonl").toString())
        .assertSuccess().stdout().startsWith("14 user records ("), "nothing to connect to, nothing put");
    assertEquals("kplc put: stdin line 2: A partition key must have 1 to 256 characters; this one has 0",
        runWithInput(lines("{\"partitionKey\":\"a\",\"data\":\"x\"}", "{\"partitionKey\":\"\",\"data\":\"y\"}"),
            "put", "--stream", "s", "--validate-only").assertOneLineError(1));
  }

  @Test
  void badUserRecordsAreOneLineNamingTheLine() throws Exception {
    String error = runWithInput(lines("{\"partitionKey\":\"a\",\"data\":\"x\"}", "{\"data\":\"y\"}"), "aggregate")
        .assertOneLineError(1);
    assertEquals("kplc aggregate: stdin line 2: partitionKey is missing (or PartitionKey with Data in base64, as "
        + "the AWS CLI writes them)", error);

    error = runWithInput(lines("{\"partitionKey\":\"a\",\"data\":\"x\"}", "", "{oops"), "aggregate")
        .assertOneLineError(1);
    assertEquals("kplc aggregate: stdin line 3 column 2: invalid JSON: Unexpected character ('o'): was expecting "
        + "double-quote to start field name", error);
    // No parser class names or feature hints; a control character shown as what it is.
    error = runWithInput(lines("{\"partitionKey\":\"a\",\"data\":\"x\u0001\"}"), "aggregate").assertOneLineError(1);
    assertEquals("kplc aggregate: stdin line 1 column 30: invalid JSON: Illegal unquoted character (U+0001, a "
        + "control character): has to be escaped using backslash to be included in string value", error);
    error = runWithInput(lines("{\"partitionKey\":\"a\",\"data\":\"x\"}}"), "aggregate").assertOneLineError(1);
    assertEquals("kplc aggregate: stdin line 1 column 32: invalid JSON: Unexpected close marker '}': no open "
        + "Object to close", error);

    error = runWithInput(lines("{\"partitionKey\":\"a\",\"data\":\"x\",\"dataBase64\":\"eA==\"}"), "aggregate")
        .assertOneLineError(1);
    assertEquals("kplc aggregate: stdin line 1: give data or dataBase64, not both", error);

    error = runWithInput(lines("{\"partitionKey\":\"a\",\"explicitHashKey\":\"-1\",\"data\":\"x\"}"), "aggregate")
        .assertOneLineError(1);
    assertTrue(error.startsWith("kplc aggregate: stdin line 1: Explicit hash key"), error);

    String big = "{\"partitionKey\":\"k\",\"data\":\"" + "x".repeat(300) + "\"}";
    KplcJar.Result tooBig = runWithInput(lines("{\"partitionKey\":\"a\",\"data\":\"x\"}", big), "aggregate",
        "--max-record-size", "256");
    error = tooBig.assertOneLineError(1);
    assertTrue(error.startsWith("kplc aggregate: stdin line 2: "), error);
    assertTrue(error.contains("256"), error);

    // --verbose adds the stack trace.
    KplcJar.Result verbose = runWithInput(lines(big), "aggregate", "--max-record-size", "256", "--verbose");
    assertEquals(1, verbose.exitCode());
    assertTrue(verbose.stderr().contains("\tat io.kplcodec."), verbose.stderr());
  }

  @Test
  void corruptAggregateStopsDeaggregateAfterTheRecordsBeforeItUnlessPassedThrough() throws Exception {
    KplcJar.Result result = run("deaggregate", fixture("with-corrupt.b64").toString());
    String error = result.assertOneLineError(1);
    assertTrue(error.matches("kplc deaggregate: .*with-corrupt.b64 line 2: corrupt aggregated record at offset \\d+: "
        + "partition key index outside the partition key table \\(PARTITION_KEY_INDEX_OUT_OF_RANGE\\) "
        + "\\(--pass-corrupt-through writes it whole\\)"), error);
    assertEquals(4, result.stdoutLines().size(), "streamed: the user records of line 1, then the error");

    KplcJar.Result passed = run("deaggregate", "--pass-corrupt-through", fixture("with-corrupt.b64").toString())
        .assertSuccess();
    List<String> lines = passed.stdoutLines();
    assertEquals(5, lines.size(), "4 user records and the corrupt record whole");
    assertEquals(Base64.getEncoder().encodeToString(Files.readAllBytes(fixture("corrupt.bin"))),
        MAPPER.readTree(lines.get(4)).get("dataBase64").asText());
    assertTrue(passed.stderr().contains("written whole as one user record"), passed.stderr());
  }

  @Test
  void deaggregateKeepsTheKinesisRecordsKeyForRecordsThatAreNotAggregated() throws Exception {
    List<String> lines = run("deaggregate", fixture("lambda-event.json").toString()).assertSuccess().stdoutLines();
    assertEquals(5, lines.size());
    JsonNode plain = MAPPER.readTree(lines.get(4));
    assertEquals("plain-key", plain.get("partitionKey").asText());
    assertEquals("hello, I am not aggregated", plain.get("data").asText());
    assertEquals("AAECA//+", MAPPER.readTree(lines.get(3)).get("dataBase64").asText());
  }

  /** The user records of the fixture, as kplc should read them. */
  static List<Expected> expectedUserRecords() throws Exception {
    List<Expected> expected = new ArrayList<>();
    for (String line : Files.readAllLines(fixture("user-records.jsonl"), StandardCharsets.UTF_8)) {
      JsonNode node = MAPPER.readTree(line);
      byte[] data = node.has("dataBase64") ? Base64.getDecoder().decode(node.get("dataBase64").asText())
          : node.get("data").isTextual() ? node.get("data").asText().getBytes(StandardCharsets.UTF_8)
          : MAPPER.writeValueAsBytes(node.get("data"));
      expected.add(new Expected(node.get("partitionKey").asText(),
          node.has("explicitHashKey") ? node.get("explicitHashKey").asText() : null,
          Base64.getEncoder().encodeToString(data)));
    }
    return expected;
  }

  /** JSON lines as kplc deaggregate writes them. */
  static List<Expected> parse(List<String> lines) throws Exception {
    List<Expected> records = new ArrayList<>();
    for (String line : lines) {
      JsonNode node = MAPPER.readTree(line);
      byte[] data = node.has("data") ? node.get("data").asText().getBytes(StandardCharsets.UTF_8)
          : Base64.getDecoder().decode(node.get("dataBase64").asText());
      records.add(new Expected(node.path("partitionKey").asText(null),
          node.has("explicitHashKey") ? node.get("explicitHashKey").asText() : null,
          Base64.getEncoder().encodeToString(data)));
    }
    return records;
  }

  private static Expected expected(UserRecord user) {
    return new Expected(user.partitionKey(), user.explicitHashKey(),
        Base64.getEncoder().encodeToString(user.dataBytes()));
  }

  private static byte[] lines(String... lines) {
    return Stream.of(lines).collect(Collectors.joining("\n", "", "\n")).getBytes(StandardCharsets.UTF_8);
  }
}
