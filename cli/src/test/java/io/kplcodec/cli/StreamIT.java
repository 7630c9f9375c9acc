package io.kplcodec.cli;

import static io.kplcodec.cli.KplcJar.fixture;
import static io.kplcodec.cli.KplcJar.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kplcodec.local.LocalKinesis;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * {@code kplc put} and {@code tail} against a kinesalite started here and given with --endpoint (kplc's own local
 * one: {@link LocalKinesaliteIT}).
 */
class StreamIT {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static LocalKinesis kinesalite;
  private static KinesisAsyncClient client;
  private static String endpoint;

  @BeforeAll
  static void start() throws Exception {
    KplcJar.skipUnlessKinesaliteAvailable();
    kinesalite = LocalKinesis.start();
    client = kinesalite.client();
    endpoint = kinesalite.endpoint().toString();
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (kinesalite != null) {
      kinesalite.close();
    }
  }

  @Test
  void putThenTailGivesTheUserRecordsBack() throws Exception {
    KplcJar.Result put = run("put", "--endpoint", endpoint, "--stream", "orders", "--create-shards", "2",
        fixture("user-records.jsonl").toString()).assertSuccess();
    assertTrue(put.stdout().startsWith("put 14 user records into stream orders (" + endpoint + "): "), put.stdout());
    assertTrue(put.stderr().contains("creating stream orders with 2 shards"), put.stderr());

    KplcJar.Result tail = run("tail", "--endpoint", endpoint, "--stream", "orders", "--no-follow", "--output",
        "json").assertSuccess();
    List<AggregateIT.Expected> read = AggregateIT.parse(tail.stdoutLines());
    Comparator<AggregateIT.Expected> byData = Comparator.comparing(AggregateIT.Expected::dataBase64);
    assertEquals(AggregateIT.expectedUserRecords().stream().sorted(byData).toList(),
        read.stream().sorted(byData).toList());
    for (String line : tail.stdoutLines()) {
      JsonNode node = MAPPER.readTree(line);
      assertTrue(node.get("shardId").asText().startsWith("shardId-"), line);
      assertTrue(node.get("aggregated").asBoolean(), line);
    }

    String table = run("tail", "--endpoint", endpoint, "--stream", "orders", "--no-follow").assertSuccess().stdout();
    assertTrue(table.startsWith("SHARD                 SEQUENCE NUMBER/SUB"), table);
    assertTrue(table.matches("(?s).*shardId-\\d+  \\d+/\\d+ +ключ-2 +\\{\"order\":1,.*"), table);
    assertTrue(table.contains("ehk=" + FixtureGenerator.MIDDLE_HASH_KEY), table);
  }

  @Test
  void tailWaitsForTheStreamAndFollowsItUntilMaxRecords(@TempDir Path directory) throws Exception {
    Path out = directory.resolve("out");
    Path err = directory.resolve("err");
    Process tail = KplcJar.start(out, err, "tail", "--endpoint", endpoint, "--stream", "followed", "--output", "json",
        "--max-records", "14", "--poll", "100");
    try {
      KplcJar.awaitContent(err, "waiting for it", tail);
      run("put", "--endpoint", endpoint, "--stream", "followed", "--create-shards", "3",
          fixture("user-records.jsonl").toString()).assertSuccess();
      assertTrue(tail.waitFor(60, TimeUnit.SECONDS), "tail stops after 14 user records");
      assertEquals(0, tail.exitValue(), Files.readString(err));
      assertEquals(14, Files.readAllLines(out).size());
    } finally {
      tail.destroyForcibly();
    }
  }

  @Test
  void tailReadsParentsBeforeChildrenAcrossASplit(@TempDir Path directory) throws Exception {
    // 1,000 user records of 20 keys, numbered per key; then a split; then 1,000 more.
    Path first = directory.resolve("first.jsonl");
    Path second = directory.resolve("second.jsonl");
    Files.write(first, numbered(0, 1000));
    Files.write(second, numbered(1000, 2000));
    run("put", "--endpoint", endpoint, "--stream", "resharded", "--create-shards", "2", first.toString())
        .assertSuccess();
    Shard parent = LocalKinesis.listShards(client, "resharded").get(0);
    String middle = new BigInteger(parent.hashKeyRange().startingHashKey())
        .add(new BigInteger(parent.hashKeyRange().endingHashKey())).shiftRight(1).toString();
    client.splitShard(b -> b.streamName("resharded").shardToSplit(parent.shardId()).newStartingHashKey(middle))
        .get(10, TimeUnit.SECONDS);
    LocalKinesis.awaitActive(client, "resharded");
    KplcJar.Result put = run("put", "--endpoint", endpoint, "--stream", "resharded", second.toString())
        .assertSuccess();
    assertTrue(put.stdout().startsWith("put 1,000 user records"), put.stdout());

    KplcJar.Result tail = run("tail", "--endpoint", endpoint, "--stream", "resharded", "--no-follow", "--output",
        "json").assertSuccess();
    Map<String, Integer> lastByKey = new HashMap<>();
    boolean[] seen = new boolean[2000];
    for (String line : tail.stdoutLines()) {
      JsonNode node = MAPPER.readTree(line);
      JsonNode data = MAPPER.readTree(node.get("data").asText());
      int id = data.get("id").asInt();
      assertFalse(seen[id], "user record " + id + " twice");
      seen[id] = true;
      Integer last = lastByKey.put(node.get("partitionKey").asText(), id);
      assertTrue(last == null || last < id, "order of key " + node.get("partitionKey").asText() + ": " + last
          + " then " + id);
    }
    for (int id = 0; id < seen.length; id++) {
      assertTrue(seen[id], "user record " + id + " missing");
    }
  }

  @Test
  void tailDropsAndReportsUserRecordsOutsideTheShardsRange() throws Exception {
    // One aggregate of all 14 user records, made without a shard map (as a producer unaware of shards would), put
    // with its first user record's hash key: it lands on one of two shards, which owns only part of its records.
    LocalKinesis.createStream(client, "mixed", 2);
    JsonNode entry = MAPPER.readTree(run("aggregate", "--output", "json", fixture("user-records.jsonl").toString())
        .assertSuccess().stdout());
    client.putRecord(b -> b.streamName("mixed").partitionKey(entry.get("PartitionKey").asText())
        .explicitHashKey(entry.get("ExplicitHashKey").asText())
        .data(SdkBytes.fromByteArray(
            Base64.getDecoder().decode(entry.get("Data").asText())))).get(10, TimeUnit.SECONDS);

    KplcJar.Result tail = run("tail", "--endpoint", endpoint, "--stream", "mixed", "--no-follow", "--output",
        "json").assertSuccess();
    Matcher dropped = Pattern.compile(
        "kplc tail: (shardId-\\d+): dropped (\\d+) user records? outside its hash key range").matcher(tail.stderr());
    assertTrue(dropped.find(), tail.stderr());
    int kept = tail.stdoutLines().size();
    assertTrue(kept > 0, "some user records belong to the shard it landed on");
    assertEquals(14, kept + Integer.parseInt(dropped.group(2)), tail.stderr());
    for (String line : tail.stdoutLines()) {
      assertEquals(dropped.group(1), MAPPER.readTree(line).get("shardId").asText());
    }
  }

  @Test
  void inspectAndDeaggregateReadARealGetRecordsResponse(@TempDir Path directory) throws Exception {
    run("put", "--endpoint", endpoint, "--stream", "raw-http", "--create-shards", "1",
        fixture("user-records.jsonl").toString()).assertSuccess();
    // GetRecords over plain HTTP, as the AWS CLI or any SDK receives it: the body is what kplc reads.
    JsonNode iterator = MAPPER.readTree(kinesisCall("GetShardIterator",
        "{\"StreamName\":\"raw-http\",\"ShardId\":\"shardId-000000000000\",\"ShardIteratorType\":\"TRIM_HORIZON\"}"));
    String body = kinesisCall("GetRecords", MAPPER.createObjectNode()
        .put("ShardIterator", iterator.get("ShardIterator").asText()).toString());
    Path response = Files.writeString(directory.resolve("get-records.json"), body);

    String inspected = run("inspect", response.toString()).assertSuccess().stdout();
    assertTrue(inspected.contains("get-records.json: GetRecords JSON (auto: JSON records with Data)"), inspected);
    // The producer's 100 ms linger may cut the 14 user records into two aggregates on a loaded machine.
    assertTrue(inspected.matches("(?s).*\nrecord 1 \\(Records\\[0]\\): aggregated, .*\n[12] Kinesis records?: [12] "
        + "aggregated \\(14 user records\\), 0 not aggregated, 0 MD5 mismatch, 0 corrupt\n"), inspected);
    assertEquals(AggregateIT.expectedUserRecords(),
        AggregateIT.parse(run("deaggregate", response.toString()).assertSuccess().stdoutLines()));
  }

  @Test
  void putReportsAMissingStreamAndABadLineAfterPuttingTheLinesBeforeIt(@TempDir Path directory) throws Exception {
    String error = run("put", "--endpoint", endpoint, "--stream", "nowhere", fixture("user-records.jsonl").toString())
        .assertOneLineError(1);
    assertEquals("kplc put: stream nowhere not found at " + endpoint + " (--create-shards N creates it)", error);

    Path bad = Files.writeString(directory.resolve("bad.jsonl"),
        "{\"partitionKey\":\"a\",\"data\":\"1\"}\n{\"partitionKey\":\"b\",\"data\":\"2\"}\n{\"data\":\"3\"}\n");
    KplcJar.Result result = run("put", "--endpoint", endpoint, "--stream", "partial", "--create-shards", "1",
        bad.toString());
    assertEquals(1, result.exitCode());
    assertTrue(result.stdout().startsWith("put 2 user records into stream partial"), result.stdout());
    assertTrue(result.stderr().contains("kplc put: " + bad + " line 3: partitionKey is missing (or PartitionKey "
        + "with Data in base64, as the AWS CLI writes them) (the 2 user records before it were put)"),
        result.stderr());
  }

  @Test
  void tailFollowingAStreamStopsAtOnceWhenItsStdoutCloses(@TempDir Path directory) throws Exception {
    // More output than a pipe holds, so tail is still writing when its reader goes (kplc tail --stream big | head -1)
    Path records = Files.write(directory.resolve("records.jsonl"), numbered(0, 5000));
    run("put", "--endpoint", endpoint, "--stream", "piped", "--create-shards", "2", records.toString())
        .assertSuccess();
    Path err = directory.resolve("err");
    Process tail = KplcJar.startPiped(List.of(), null, err, "tail", "--endpoint", endpoint, "--stream", "piped",
        "--poll", "100");
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(tail.getInputStream(), StandardCharsets.UTF_8));
      assertTrue(out.readLine() != null, "a first line");
      long closed = System.nanoTime();
      out.close(); // as head -1 exits; tail would otherwise follow the stream forever
      assertTrue(tail.waitFor(20, TimeUnit.SECONDS), "tail still running after its stdout closed");
      assertEquals(0, tail.exitValue(), () -> StreamingIT.read(err));
      assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closed) < 10_000);
    } finally {
      tail.destroyForcibly();
    }
  }

  @Test
  void tailStartsAtATimeOrASequenceNumberReadsOneShardAndStopsAfterMax(@TempDir Path directory) throws Exception {
    run("put", "--endpoint", endpoint, "--stream", "positions", "--create-shards", "2",
        fixture("user-records.jsonl").toString()).assertSuccess();
    Thread.sleep(1100);
    String time = java.time.Instant.now().toString();
    Thread.sleep(1100);
    Path later = Files.write(directory.resolve("later.jsonl"), numbered(0, 10));
    run("put", "--endpoint", endpoint, "--stream", "positions", later.toString()).assertSuccess();

    // A time: only what arrived after it (AT_TIMESTAMP).
    List<String> after = run("tail", "--endpoint", endpoint, "--stream", "positions", "--from", time,
        "--no-follow", "--output", "json").assertSuccess().stdoutLines();
    assertEquals(10, after.size(), String.join("\n", after));
    for (String line : after) {
      assertTrue(MAPPER.readTree(line).get("data").asText().startsWith("{\"id\":"), line);
    }

    // One shard, from a sequence number of it: at includes that Kinesis record, after starts behind it.
    List<String> shard0 = run("tail", "--endpoint", endpoint, "--stream", "positions", "--shard", "0",
        "--no-follow", "--output", "json").assertSuccess().stdoutLines();
    assertTrue(shard0.size() >= 2, "records on shard 0: " + shard0);
    String first = MAPPER.readTree(shard0.get(0)).get("sequenceNumber").asText();
    long ofFirst = shard0.stream().filter(l -> l.contains("\"sequenceNumber\":\"" + first + "\"")).count();
    for (String line : shard0) {
      assertEquals("shardId-000000000000", MAPPER.readTree(line).get("shardId").asText(), line);
    }
    assertEquals(shard0, run("tail", "--endpoint", endpoint, "--stream", "positions", "--shard",
        "shardId-000000000000", "--from", "at:" + first, "--no-follow", "--output", "json").assertSuccess()
        .stdoutLines());
    assertEquals(shard0.subList((int) ofFirst, shard0.size()), run("tail", "--endpoint", endpoint, "--stream",
        "positions", "--shard", "0", "--from", "after:" + first, "--no-follow", "--output", "json").assertSuccess()
        .stdoutLines());

    assertEquals(3, run("tail", "--endpoint", endpoint, "--stream", "positions", "--max", "3", "--output", "json")
        .assertSuccess().stdoutLines().size());
    assertEquals("kplc tail: --from at:123: a sequence number belongs to one shard; give --shard (see kplc tail "
        + "--help)", run("tail", "--endpoint", endpoint, "--stream", "positions", "--from", "at:123")
        .assertOneLineError(2));
    assertTrue(run("tail", "--endpoint", endpoint, "--stream", "positions", "--shard", "7", "--no-follow")
        .assertOneLineError(1).endsWith("stream positions has no shard shardId-000000000007 at " + endpoint));
  }

  @Test
  void putVerbosePrintsTheProducersCountersAsReadableLines() throws Exception {
    KplcJar.Result put = run("put", "-v", "--endpoint", endpoint, "--stream", "counted", "--create-shards", "1",
        fixture("user-records.jsonl").toString()).assertSuccess();
    assertTrue(put.stderr().contains("kplc put: user records: 14 added, 14 put, 0 failed\n"), put.stderr());
    assertTrue(put.stderr().matches("(?s).*kplc put: sent: \\d+ Kinesis records? \\(\\d+ aggregated\\) in \\d+ "
        + "PutRecords calls?\n.*"), put.stderr());
    assertTrue(put.stderr().contains("kplc put: retries: 0 failed calls, 0 failed entries, 0 entries retried\n"),
        put.stderr());
    assertFalse(put.stderr().contains("ProducerCounters"), put.stderr());
  }

  @Test
  void putOfEmptyInputIsAnErrorAsForEveryCommand(@TempDir Path directory) throws Exception {
    Path empty = Files.writeString(directory.resolve("empty.jsonl"), "\n\n");
    KplcJar.Result result = run("put", "--endpoint", endpoint, "--stream", "empty", "--create-shards", "1",
        empty.toString());
    assertEquals(1, result.exitCode());
    assertTrue(result.stderr().contains("kplc put: " + empty + " is empty: no user record to read (nothing was put)"),
        result.stderr());
  }

  /** User records {@code from} to {@code to - 1}, 20 keys, data {"id":n}. */
  private static List<String> numbered(int from, int to) {
    List<String> lines = new ArrayList<>();
    for (int id = from; id < to; id++) {
      lines.add("{\"partitionKey\":\"key-" + (id % 20) + "\",\"data\":\"{\\\"id\\\":" + id + "}\"}");
    }
    return lines;
  }

  /** One Kinesis API call over HTTP with the JSON protocol (kinesalite checks that a signature is there, not it). */
  private static String kinesisCall(String operation, String body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(endpoint))
        .header("Content-Type", "application/x-amz-json-1.1")
        .header("X-Amz-Target", "Kinesis_20131202." + operation)
        .header("X-Amz-Date", "20260101T000000Z")
        .header("Authorization", "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/kinesis/aws4_request, "
            + "SignedHeaders=host;x-amz-date, Signature=00")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
    HttpResponse<String> response = HttpClient.newHttpClient().send(request,
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    assertEquals(200, response.statusCode(), response.body());
    return response.body();
  }
}
