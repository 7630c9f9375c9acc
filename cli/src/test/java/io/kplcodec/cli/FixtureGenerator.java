package io.kplcodec.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kplcodec.AggregateEncoder;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Makes the fixture files under {@code src/test/resources/fixtures} from kpl-codec-core's encoder, so that none is
 * written by hand: {@code FixturesTest} fails when a committed file differs from what this makes, and
 * {@code mvn -pl cli test -Dtest=FixturesTest -Dkplc.regenerateFixtures=true} rewrites them.
 *
 * <p>The corrupt and MD5-mismatch records are encoder output with one byte changed (and, for the corrupt one, the
 * MD5 recomputed so that only the content is wrong). The Lambda event and GetRecords JSON follow the shapes AWS
 * documents (Lambda's Kinesis event; the GetRecords response, as the AWS CLI prints it); {@code StreamIT} also feeds
 * kplc a GetRecords response body from a real Kinesis API (kinesalite).
 */
public final class FixtureGenerator {
  static final String SEQUENCE_1 = "49590338271490256608559692538361571095921575989136588898";
  static final String SEQUENCE_2 = "49590338271490256608559692540925702759324208523137515618";
  static final String SEQUENCE_3 = "49590338271490256608559692540925702759324208523137515619";
  /** 2^127: the middle of the hash key space. */
  static final String MIDDLE_HASH_KEY = BigInteger.ONE.shiftLeft(127).toString();
  static final byte[] BINARY = {0, 1, 2, 3, (byte) 0xFF, (byte) 0xFE};

  private FixtureGenerator() {}

  /** Writes every fixture into the directory given (default: this module's fixture directory). */
  public static void main(String[] args) throws Exception {
    Path directory = Paths.get(args.length > 0 ? args[0] : "cli/src/test/resources/fixtures");
    Files.createDirectories(directory);
    for (Map.Entry<String, byte[]> fixture : generate().entrySet()) {
      Files.write(directory.resolve(fixture.getKey()), fixture.getValue());
    }
  }

  /** Every fixture: file name to bytes. */
  static Map<String, byte[]> generate() throws Exception {
    Map<String, byte[]> files = new LinkedHashMap<>();
    byte[] aggregated = aggregated();
    byte[] binaryAggregate = binaryAggregate();
    byte[] plain = "hello, I am not aggregated".getBytes(StandardCharsets.UTF_8);
    byte[] corrupt = corrupt();
    byte[] md5Mismatch = aggregated.clone();
    md5Mismatch[md5Mismatch.length - 1] ^= 0x01;

    files.put("aggregated.bin", aggregated);
    files.put("not-aggregated.bin", plain);
    files.put("corrupt.bin", corrupt);
    files.put("md5-mismatch.bin", md5Mismatch);
    files.put("records.b64", lines(base64(aggregated), base64(plain), base64(binaryAggregate)));
    files.put("with-corrupt.b64", lines(base64(aggregated), base64(corrupt)));
    files.put("lambda-event.json", lambdaEvent(aggregated, plain));
    files.put("get-records.json", getRecords(binaryAggregate, plain));
    files.put("user-records.jsonl", userRecords());
    files.put("list-shards.json", listShards());
    return files;
  }

  /**
   * Four user records: keys with 1-, 2- and 4-byte UTF-8 characters, one repeated, one explicit hash key, text and
   * binary data.
   */
  static byte[] aggregated() {
    AggregateEncoder encoder = new AggregateEncoder();
    encoder.add("customer-1", null, utf8("{\"order\":1,\"item\":\"coffee\"}"));
    encoder.add("ключ-2", null, utf8("{\"order\":2,\"item\":\"чай\"}"));
    encoder.add("customer-1", MIDDLE_HASH_KEY, utf8("{\"order\":3,\"item\":\"tea\"}"));
    encoder.add("🔑3", null, BINARY);
    return encoder.toByteArray();
  }

  /** Two user records, one of them binary. */
  static byte[] binaryAggregate() {
    AggregateEncoder encoder = new AggregateEncoder();
    encoder.add("device-7", null, BINARY);
    encoder.add("device-8", null, utf8("temperature=21.5"));
    return encoder.toByteArray();
  }

  /**
   * An aggregate of two user records whose second record's partition key index is changed from 0 to 5 (the table
   * has one key), with the MD5 recomputed: right magic and MD5, invalid content.
   */
  static byte[] corrupt() throws Exception {
    AggregateEncoder encoder = new AggregateEncoder();
    encoder.add("customer-1", null, utf8("first"));
    encoder.add("customer-1", null, utf8("second"));
    byte[] record = encoder.toByteArray();
    // Canonical layout: magic | 0A len "customer-1" | 1A len (08 00 1A len "first") | 1A len (08 00 ...) | MD5
    int position = 4;
    int recordsSeen = 0;
    int patched = -1;
    while (position < record.length - 16) {
      int tag = record[position];
      int length = record[position + 1]; // every length here is below 128: one varint byte
      if (tag == 0x1A && ++recordsSeen == 2) {
        if (record[position + 2] != 0x08 || record[position + 3] != 0x00) {
          throw new IllegalStateException("unexpected record layout");
        }
        patched = position + 3;
      }
      position += 2 + length;
    }
    record[patched] = 0x05;
    byte[] md5 = MessageDigest.getInstance("MD5").digest(Arrays.copyOfRange(record, 4, record.length - 16));
    System.arraycopy(md5, 0, record, record.length - 16, 16);
    return record;
  }

  private static byte[] lambdaEvent(byte[] aggregated, byte[] plain) throws IOException {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode event = mapper.createObjectNode();
    ArrayNode records = event.putArray("Records");
    addLambdaRecord(records, "customer-1", SEQUENCE_1, aggregated, 1767225600.123);
    addLambdaRecord(records, "plain-key", SEQUENCE_2, plain, 1767225601.5);
    return (mapper.writeValueAsString(event) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private static void addLambdaRecord(ArrayNode records, String partitionKey, String sequenceNumber, byte[] data,
      double arrival) {
    ObjectNode record = records.addObject();
    ObjectNode kinesis = record.putObject("kinesis");
    kinesis.put("kinesisSchemaVersion", "1.0");
    kinesis.put("partitionKey", partitionKey);
    kinesis.put("sequenceNumber", sequenceNumber);
    kinesis.put("data", base64(data));
    kinesis.put("approximateArrivalTimestamp", arrival);
    record.put("eventSource", "aws:kinesis");
    record.put("eventVersion", "1.0");
    record.put("eventID", "shardId-000000000003:" + sequenceNumber);
    record.put("eventName", "aws:kinesis:record");
    record.put("invokeIdentityArn", "arn:aws:iam::123456789012:role/lambda-role");
    record.put("awsRegion", "us-east-1");
    record.put("eventSourceARN", "arn:aws:kinesis:us-east-1:123456789012:stream/orders");
  }

  private static byte[] getRecords(byte[] aggregate, byte[] plain) throws IOException {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode response = mapper.createObjectNode();
    ArrayNode records = response.putArray("Records");
    ObjectNode first = records.addObject();
    first.put("SequenceNumber", SEQUENCE_2);
    first.put("ApproximateArrivalTimestamp", "2026-01-01T00:00:00.123000+00:00"); // the AWS CLI's form
    first.put("Data", base64(aggregate));
    first.put("PartitionKey", "device-7");
    ObjectNode second = records.addObject();
    second.put("SequenceNumber", SEQUENCE_3);
    second.put("ApproximateArrivalTimestamp", 1767225600.5); // the API's form
    second.put("Data", base64(plain));
    second.put("PartitionKey", "plain-key");
    second.put("EncryptionType", "NONE");
    response.put("NextShardIterator", "AAAAAAAAAAHSywljv0zEgPX4NyKdZ5wryMzP9yALs8NeKbUjp1IxtZs1Sp+KEd9I6AJ9ZG4l");
    response.put("MillisBehindLatest", 0);
    return (mapper.writeValueAsString(response) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] userRecords() throws IOException {
    ObjectMapper mapper = new ObjectMapper();
    StringBuilder lines = new StringBuilder();
    String[] keys = {"customer-1", "ключ-2", "キー3", "🔑4", "clé/é/5", "1", "100"};
    for (int i = 0; i < 14; i++) {
      ObjectNode line = mapper.createObjectNode();
      line.put("partitionKey", keys[i % keys.length]);
      if (i == 4) {
        line.put("explicitHashKey", MIDDLE_HASH_KEY);
      }
      if (i == 6) {
        line.put("dataBase64", base64(BINARY));
      } else if (i == 9) {
        line.putObject("data").put("order", i).put("item", "a JSON value as data");
      } else {
        line.put("data", "{\"order\":" + i + ",\"note\":\"user record " + i + " – ünïcødé\"}");
      }
      lines.append(mapper.writeValueAsString(line)).append('\n');
    }
    return lines.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** ListShards output of a 4-shard stream whose shard 0 was split into shards 4 and 5. */
  private static byte[] listShards() throws IOException {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode response = mapper.createObjectNode();
    ArrayNode shards = response.putArray("Shards");
    BigInteger space = BigInteger.ONE.shiftLeft(128);
    BigInteger width = space.shiftRight(2);
    for (int i = 0; i < 4; i++) {
      BigInteger start = width.multiply(BigInteger.valueOf(i));
      BigInteger end = i == 3 ? space.subtract(BigInteger.ONE) : start.add(width).subtract(BigInteger.ONE);
      addShard(shards, i, null, start, end, i == 0);
    }
    BigInteger middle = width.shiftRight(1);
    addShard(shards, 4, "shardId-000000000000", BigInteger.ZERO, middle.subtract(BigInteger.ONE), false);
    addShard(shards, 5, "shardId-000000000000", middle, width.subtract(BigInteger.ONE), false);
    return (mapper.writeValueAsString(response) + "\n").getBytes(StandardCharsets.UTF_8);
  }

  private static void addShard(ArrayNode shards, int number, String parent, BigInteger start, BigInteger end,
      boolean closed) {
    ObjectNode shard = shards.addObject();
    shard.put("ShardId", String.format("shardId-%012d", number));
    if (parent != null) {
      shard.put("ParentShardId", parent);
    }
    ObjectNode range = shard.putObject("HashKeyRange");
    range.put("StartingHashKey", start.toString());
    range.put("EndingHashKey", end.toString());
    ObjectNode sequences = shard.putObject("SequenceNumberRange");
    sequences.put("StartingSequenceNumber", "4959033827" + String.format("%046d", number));
    if (closed) {
      sequences.put("EndingSequenceNumber", "4959033827" + String.format("%046d", 99));
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String base64(byte[] data) {
    return Base64.getEncoder().encodeToString(data);
  }

  private static byte[] lines(String... lines) {
    return (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
  }
}
