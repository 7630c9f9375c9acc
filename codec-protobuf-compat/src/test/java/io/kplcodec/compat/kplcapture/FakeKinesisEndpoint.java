package io.kplcodec.compat.kplcapture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.kplcodec.local.LocalHttpsServer;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Just enough of Kinesis and STS, over HTTPS on 127.0.0.1, for the KPL's daemon to run: STS GetCallerIdentity (query
 * protocol, XML), and Kinesis ListShards, DescribeStream, DescribeStreamSummary and PutRecords (JSON 1.1). Every
 * PutRecords entry is kept, in arrival order, and accepted. The certificate is self-signed, made by keytool at start;
 * the daemon runs with {@code VerifyCertificate=false}.
 */
final class FakeKinesisEndpoint implements AutoCloseable {
  static final String ACCOUNT = "123456789012";
  private static final BigInteger SPACE = BigInteger.ONE.shiftLeft(128);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One PutRecords entry as the daemon sent it. */
  record Entry(String partitionKey, String explicitHashKey, byte[] data) {}

  private final String streamName;
  private final int shardCount;
  private final LocalHttpsServer server;
  private final List<Entry> entries = new ArrayList<>();
  private final Map<String, Integer> calls = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong(1);

  FakeKinesisEndpoint(String streamName, int shardCount, Path workDirectory) throws Exception {
    this.streamName = streamName;
    this.shardCount = shardCount;
    server = LocalHttpsServer.start(workDirectory, 4, this::handle);
  }

  int port() {
    return server.port();
  }

  /** The PutRecords entries received so far, in arrival order. */
  synchronized List<Entry> entries() {
    return new ArrayList<>(entries);
  }

  /** How often each operation was called ("sts:GetCallerIdentity", "ListShards", ...). */
  int calls(String operation) {
    return calls.getOrDefault(operation, 0);
  }

  Map<String, Integer> calls() {
    return Map.copyOf(calls);
  }

  @Override
  public void close() {
    server.close();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = LocalHttpsServer.requestBody(exchange);
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      if (target == null) {
        if (LocalHttpsServer.isGetCallerIdentity(exchange, body)) {
          calls.merge("sts:GetCallerIdentity", 1, Integer::sum);
          LocalHttpsServer.answerGetCallerIdentity(exchange, ACCOUNT, "kpl-capture");
        } else {
          calls.merge("unknown:" + exchange.getRequestURI(), 1, Integer::sum);
          respond(exchange, 400, "text/xml",
              "<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>");
        }
        return;
      }
      String operation = target.substring(target.indexOf('.') + 1);
      calls.merge(operation, 1, Integer::sum);
      JsonNode request = JSON.readTree(body);
      ObjectNode response = switch (operation) {
        case "ListShards" -> listShards();
        case "DescribeStream" -> describeStream();
        case "DescribeStreamSummary" -> describeStreamSummary();
        case "PutRecords" -> putRecords(request);
        default -> null;
      };
      if (response == null) {
        respond(exchange, 400, "application/x-amz-json-1.1",
            "{\"__type\":\"UnknownOperationException\",\"message\":\"" + operation + "\"}");
      } else {
        respond(exchange, 200, "application/x-amz-json-1.1", JSON.writeValueAsString(response));
      }
    } catch (RuntimeException e) {
      e.printStackTrace();
      throw e;
    }
  }

  private static void respond(HttpExchange exchange, int status, String contentType, String text) throws IOException {
    LocalHttpsServer.respond(exchange, status, contentType, text.getBytes(StandardCharsets.UTF_8));
  }

  private ArrayNode shards() {
    ArrayNode shards = JSON.createArrayNode();
    BigInteger width = SPACE.divide(BigInteger.valueOf(shardCount));
    for (int i = 0; i < shardCount; i++) {
      BigInteger start = width.multiply(BigInteger.valueOf(i));
      BigInteger end = i == shardCount - 1 ? SPACE.subtract(BigInteger.ONE) : start.add(width).subtract(BigInteger.ONE);
      ObjectNode shard = shards.addObject();
      shard.put("ShardId", shardId(i));
      shard.putObject("HashKeyRange").put("StartingHashKey", start.toString()).put("EndingHashKey", end.toString());
      shard.putObject("SequenceNumberRange").put("StartingSequenceNumber", "49000000000000000000000000000000000000");
    }
    return shards;
  }

  private static String shardId(int i) {
    return String.format("shardId-%012d", i);
  }

  private String streamArn() {
    return "arn:aws:kinesis:us-east-1:" + ACCOUNT + ":stream/" + streamName;
  }

  private ObjectNode listShards() {
    ObjectNode response = JSON.createObjectNode();
    response.set("Shards", shards());
    return response;
  }

  private ObjectNode describeStream() {
    ObjectNode response = JSON.createObjectNode();
    ObjectNode description = response.putObject("StreamDescription");
    description.put("StreamName", streamName).put("StreamARN", streamArn()).put("StreamStatus", "ACTIVE")
        .put("HasMoreShards", false).put("RetentionPeriodHours", 24).put("StreamCreationTimestamp", 1.7e9)
        .put("EncryptionType", "NONE");
    description.set("Shards", shards());
    description.putArray("EnhancedMonitoring");
    return response;
  }

  private ObjectNode describeStreamSummary() {
    ObjectNode response = JSON.createObjectNode();
    response.putObject("StreamDescriptionSummary").put("StreamName", streamName).put("StreamARN", streamArn())
        .put("StreamStatus", "ACTIVE").put("RetentionPeriodHours", 24).put("StreamCreationTimestamp", 1.7e9)
        .put("OpenShardCount", shardCount).put("EncryptionType", "NONE").putArray("EnhancedMonitoring");
    return response;
  }

  private ObjectNode putRecords(JsonNode request) {
    ObjectNode response = JSON.createObjectNode();
    response.put("FailedRecordCount", 0);
    ArrayNode results = response.putArray("Records");
    List<Entry> received = new ArrayList<>();
    for (JsonNode record : request.path("Records")) {
      JsonNode explicitHashKey = record.get("ExplicitHashKey");
      received.add(new Entry(record.path("PartitionKey").asText(),
          explicitHashKey == null || explicitHashKey.isNull() ? null : explicitHashKey.asText(),
          Base64.getDecoder().decode(record.path("Data").asText())));
      // The shard the service would pick: the KPL re-sends a record that lands elsewhere than it predicted.
      results.addObject().put("SequenceNumber", Long.toString(sequence.getAndIncrement()))
          .put("ShardId", shardId(shardOf(received.get(received.size() - 1))));
    }
    synchronized (this) {
      entries.addAll(received);
    }
    return response;
  }

  private int shardOf(Entry entry) {
    BigInteger hashKey;
    if (entry.explicitHashKey() != null) {
      hashKey = new BigInteger(entry.explicitHashKey());
    } else {
      try {
        hashKey = new BigInteger(1, MessageDigest.getInstance("MD5")
            .digest(entry.partitionKey().getBytes(StandardCharsets.UTF_8)));
      } catch (NoSuchAlgorithmException e) {
        throw new AssertionError(e);
      }
    }
    return hashKey.divide(SPACE.divide(BigInteger.valueOf(shardCount))).min(BigInteger.valueOf(shardCount - 1))
        .intValueExact();
  }

}
