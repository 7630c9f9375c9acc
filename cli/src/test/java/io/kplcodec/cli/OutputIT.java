package io.kplcodec.cli;

import static io.kplcodec.cli.KplcJar.fixture;
import static io.kplcodec.cli.KplcJar.run;
import static io.kplcodec.cli.KplcJar.runWithInput;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Output (issue 20, items 10 and 11): one JSON schema per record kind, the Kinesis record's metadata kept on its
 * user records, times in one ISO-8601 form, JSON data embeddable for jq; tables aligned on display width with keys
 * quoted when they hold spaces.
 */
class OutputIT {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void deaggregateKeepsTheKinesisRecordsMetadataInTheUserRecordSchema() throws Exception {
    List<String> lines = run("deaggregate", fixture("lambda-event.json").toString()).assertSuccess().stdoutLines();
    assertEquals(5, lines.size());
    JsonNode first = MAPPER.readTree(lines.get(0));
    assertEquals(List.of("shardId", "sequenceNumber", "subSequenceNumber", "arrival", "partitionKey", "aggregated",
        "data"), fieldNames(first));
    assertEquals("shardId-000000000003", first.get("shardId").asText());
    assertEquals(FixtureGenerator.SEQUENCE_1, first.get("sequenceNumber").asText());
    assertEquals("2026-01-01T00:00:00.123Z", first.get("arrival").asText());
    assertEquals(3, MAPPER.readTree(lines.get(3)).get("subSequenceNumber").asInt());
    JsonNode plain = MAPPER.readTree(lines.get(4));
    assertFalse(plain.get("aggregated").asBoolean());
    assertEquals(0, plain.get("subSequenceNumber").asInt());

    // The AWS CLI's time and the API's epoch seconds come out in one form; EncryptionType is kept.
    List<String> api = run("deaggregate", fixture("get-records.json").toString()).assertSuccess().stdoutLines();
    assertEquals("2026-01-01T00:00:00.123Z", MAPPER.readTree(api.get(0)).get("arrival").asText());
    assertEquals("2026-01-01T00:00:00.500Z", MAPPER.readTree(api.get(api.size() - 1)).get("arrival").asText());
    String kms = "{\"Records\":[{\"SequenceNumber\":\"7\",\"PartitionKey\":\"k\",\"EncryptionType\":\"KMS\","
        + "\"ApproximateArrivalTimestamp\":\"2026-01-01T01:00:00+01:00\",\"Data\":\""
        + Base64.getEncoder().encodeToString("{\"a\":{\"b\":1}}".getBytes(StandardCharsets.UTF_8)) + "\"}]}";
    JsonNode encrypted = MAPPER.readTree(runWithInput(kms.getBytes(StandardCharsets.UTF_8), "deaggregate")
        .assertSuccess().stdout());
    assertEquals("KMS", encrypted.get("encryptionType").asText());
    assertEquals("2026-01-01T00:00:00Z", encrypted.get("arrival").asText());
    assertEquals("{\"a\":{\"b\":1}}", encrypted.get("data").asText());
    JsonNode inspected = MAPPER.readTree(runWithInput(kms.getBytes(StandardCharsets.UTF_8), "inspect", "--output",
        "json").assertSuccess().stdout());
    assertEquals("KMS", inspected.get("encryptionType").asText());

    // --json-data: JSON data as a JSON value, for jq .data.field.
    JsonNode embedded = MAPPER.readTree(runWithInput(kms.getBytes(StandardCharsets.UTF_8), "deaggregate",
        "--json-data").assertSuccess().stdout());
    assertEquals(1, embedded.get("data").get("a").get("b").asInt());
    JsonNode inspectedEmbedded = MAPPER.readTree(runWithInput(kms.getBytes(StandardCharsets.UTF_8), "inspect",
        "--output", "json", "--json-data").assertSuccess().stdout());
    assertEquals(1, inspectedEmbedded.get("userRecords").get(0).get("data").get("a").get("b").asInt());
  }

  @Test
  void tablesAlignOnDisplayWidthAndQuoteKeysWithSpaces(@TempDir Path directory) throws Exception {
    Path users = Files.writeString(directory.resolve("users.jsonl"), String.join("\n",
        "{\"partitionKey\":\"a b\",\"data\":\"1\"}",
        "{\"partitionKey\":\"キー3\",\"data\":\"2\"}",
        "{\"partitionKey\":\"🔑\",\"data\":\"3\"}",
        "{\"partitionKey\":\"-\",\"data\":\"4\"}",
        "{\"partitionKey\":\"plain\",\"data\":\"5\"}") + "\n");
    String aggregated = run("aggregate", users.toString()).assertSuccess().stdout();
    List<String> table = runWithInput(aggregated.getBytes(StandardCharsets.UTF_8), "inspect").assertSuccess()
        .stdoutLines();
    assertEquals("  SUB  PARTITION KEY  EXPLICIT HASH KEY  BYTES  DATA", table.get(2));
    assertEquals("  0    \"a b\"          -                  1      1", table.get(3));
    assertEquals("  1    キー3          -                  1      2", table.get(4));
    assertEquals("  2    🔑             -                  1      3", table.get(5));
    assertEquals("  3    \"-\"            -                  1      4", table.get(6), "not the none marker");
    assertEquals("  4    plain          -                  1      5", table.get(7));
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }
}
