package io.kplcodec.benchmarks.producer;

import static io.kplcodec.local.LocalHttpsServer.respond;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.sun.net.httpserver.HttpExchange;
import io.kplcodec.Deaggregator;
import io.kplcodec.HashKeyRange;
import io.kplcodec.ShardMap;
import io.kplcodec.UserRecord;
import io.kplcodec.local.LocalHttpsServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The fake Kinesis the producer benchmark sends to: HTTPS on 127.0.0.1 with a self-signed certificate, Kinesis
 * {@code ListShards}, {@code DescribeStream(Summary)} and {@code PutRecords} in JSON 1.1 (the KPL's daemon) and CBOR
 * 1.1 (SDK v2's default), and STS {@code GetCallerIdentity} (the KPL asks it once at start). Every PutRecords entry
 * is accepted and deaggregated with kpl-codec's {@link Deaggregator} (MD5 verified), and every user record in it
 * counted by the id in its first 8 bytes, so that lost and duplicated user records can be told after the run.
 *
 * <p>Run in a process of its own by {@link ProducerBenchmark} ({@link #main}: prints {@code PORT <n>}, then answers
 * {@code stats} on standard input with one {@code STATS} line), so its CPU is not the producer's; or in-process by
 * the smoke test.
 */
final class FakeKinesis implements AutoCloseable {
  static final String ACCOUNT = "123456789012";
  /** The id a warm-up record carries in its first 8 bytes: counted apart from the workload. */
  static final long WARM_UP_ID = -1;

  private static final BigInteger SPACE = BigInteger.ONE.shiftLeft(128);
  private static final JsonFactory JSON = new JsonFactory();

  private final String streamName;
  private final int shardCount;
  private final ShardMap shardMap;
  private final List<String> shardIds = new ArrayList<>();
  private final Map<String, Deaggregator> deaggregators = new HashMap<>();
  private final AtomicIntegerArray seen;
  private final int recordSize;
  private final LocalHttpsServer server;
  private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong(1);
  private final LongAdder userRecords = new LongAdder();
  private final LongAdder warmUp = new LongAdder();
  private final LongAdder unknownIds = new LongAdder();
  private final LongAdder wrongSize = new LongAdder();
  private final LongAdder outsideShard = new LongAdder();
  private final LongAdder aggregated = new LongAdder();
  private final LongAdder notAggregated = new LongAdder();
  private final LongAdder requestBytes = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final LongAdder putRecordsCalls = new LongAdder();

  /**
   * @param records user records of the workload: ids 0 to records - 1
   * @param recordSize the data size of each user record (other sizes are counted as wrong)
   */
  FakeKinesis(String streamName, int shardCount, int records, int recordSize, Path workDirectory) throws Exception {
    this.streamName = streamName;
    this.shardCount = shardCount;
    this.recordSize = recordSize;
    this.seen = new AtomicIntegerArray(records);
    ShardMap.Builder shards = ShardMap.builder();
    BigInteger width = SPACE.divide(BigInteger.valueOf(shardCount));
    for (int i = 0; i < shardCount; i++) {
      BigInteger start = width.multiply(BigInteger.valueOf(i));
      BigInteger end = i == shardCount - 1 ? SPACE.subtract(BigInteger.ONE) : start.add(width).subtract(BigInteger.ONE);
      String shardId = String.format("shardId-%012d", i);
      HashKeyRange range = HashKeyRange.of(start.toString(), end.toString());
      shards.add(shardId, range);
      shardIds.add(shardId);
      // A user record outside the shard its Kinesis record landed on is counted (KCL would drop the whole aggregate).
      deaggregators.put(shardId, Deaggregator.builder().hashRange(range)
          .hashRangePolicy(Deaggregator.HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS)
          .listener(new Deaggregator.Listener() {
            @Override
            public void dropped(UserRecord record, Deaggregator.DropReason reason) {
              outsideShard.increment();
              ByteBuffer data = record.data();
              count(data, data.position(), data.remaining());
            }

            @Override
            public void corruptPassedThrough(io.kplcodec.CorruptAggregateException e) {
              errors.increment();
            }
          }).build());
    }
    this.shardMap = shards.build();
    server = LocalHttpsServer.start(workDirectory, Math.max(4, Runtime.getRuntime().availableProcessors() * 2),
        this::handle);
  }

  int port() {
    return server.port();
  }

  /** What the endpoint received, counted by user record id. */
  record Stats(long expected, long distinct, long lost, long duplicates, long userRecords, long warmUp,
      long unknownIds, long wrongSize, long outsideShard, long kinesisRecordsAggregated,
      long kinesisRecordsNotAggregated, long putRecordsCalls, long requestBytes, long errors, Map<String, Long> calls) {

    String line() {
      return "STATS expected=" + expected + " distinct=" + distinct + " lost=" + lost + " duplicates=" + duplicates
          + " userRecords=" + userRecords + " warmUp=" + warmUp + " unknownIds=" + unknownIds + " wrongSize="
          + wrongSize + " outsideShard=" + outsideShard + " aggregated=" + kinesisRecordsAggregated
          + " notAggregated=" + kinesisRecordsNotAggregated + " putRecordsCalls=" + putRecordsCalls
          + " requestBytes=" + requestBytes + " errors=" + errors + " calls=" + calls.toString().replace(' ', '_');
    }
  }

  Stats stats() {
    long distinct = 0;
    long duplicates = 0;
    for (int i = 0; i < seen.length(); i++) {
      int times = seen.get(i);
      if (times > 0) {
        distinct++;
        duplicates += times - 1;
      }
    }
    Map<String, Long> callCounts = new java.util.TreeMap<>();
    calls.forEach((operation, count) -> callCounts.put(operation, count.sum()));
    return new Stats(seen.length(), distinct, seen.length() - distinct, duplicates, userRecords.sum(), warmUp.sum(),
        unknownIds.sum(), wrongSize.sum(), outsideShard.sum(), aggregated.sum(), notAggregated.sum(),
        putRecordsCalls.sum(), requestBytes.sum(), errors.sum(), callCounts);
  }

  @Override
  public void close() {
    server.close();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = LocalHttpsServer.requestBody(exchange);
      requestBytes.add(body.length);
      String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
      if (target == null) {
        if (LocalHttpsServer.isGetCallerIdentity(exchange, body)) {
          call("sts:GetCallerIdentity");
          LocalHttpsServer.answerGetCallerIdentity(exchange, ACCOUNT, "producer-bench");
        } else {
          call("unknown:" + exchange.getRequestURI());
          respond(exchange, 400, "text/xml",
              "<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>".getBytes(StandardCharsets.UTF_8));
        }
        return;
      }
      String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
      boolean cbor = contentType != null && contentType.contains("cbor");
      String operation = target.substring(target.indexOf('.') + 1);
      call(operation + (cbor ? " (CBOR)" : " (JSON)"));
      Map<String, Object> response = switch (operation) {
        case "ListShards" -> Map.of("Shards", shards());
        case "DescribeStream" -> describeStream();
        case "DescribeStreamSummary" -> describeStreamSummary();
        case "PutRecords" -> putRecords(cbor ? readCbor(body) : readJson(body));
        default -> null;
      };
      String type = cbor ? "application/x-amz-cbor-1.1" : "application/x-amz-json-1.1";
      if (response == null) {
        respond(exchange, 400, type, encode(Map.of("__type", "UnknownOperationException", "message", operation), cbor));
      } else {
        respond(exchange, 200, type, encode(response, cbor));
      }
    } catch (RuntimeException | IOException e) {
      errors.increment();
      e.printStackTrace();
      throw e;
    }
  }

  private void call(String operation) {
    calls.computeIfAbsent(operation, o -> new LongAdder()).increment();
  }

  /** One PutRecords entry. */
  private record Entry(String partitionKey, String explicitHashKey, byte[] data) {}

  private static List<Entry> readJson(byte[] body) throws IOException {
    List<Entry> entries = new ArrayList<>();
    try (JsonParser parser = JSON.createParser(body)) {
      expect(parser.nextToken(), JsonToken.START_OBJECT);
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if (!field.equals("Records")) {
          parser.skipChildren();
          continue;
        }
        expect(value, JsonToken.START_ARRAY);
        while (parser.nextToken() == JsonToken.START_OBJECT) {
          String partitionKey = null;
          String explicitHashKey = null;
          byte[] data = null;
          while (parser.nextToken() == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            parser.nextToken();
            switch (name) {
              case "PartitionKey" -> partitionKey = parser.getText();
              case "ExplicitHashKey" -> explicitHashKey = parser.getText();
              case "Data" -> data = parser.getBinaryValue();
              default -> parser.skipChildren();
            }
          }
          entries.add(new Entry(partitionKey, explicitHashKey, data));
        }
      }
    }
    return entries;
  }

  private static void expect(JsonToken actual, JsonToken expected) {
    if (actual != expected) {
      throw new IllegalArgumentException("expected " + expected + ", got " + actual);
    }
  }

  private static List<Entry> readCbor(byte[] body) {
    List<Entry> entries = new ArrayList<>();
    Cbor.Reader reader = new Cbor.Reader(body);
    if (reader.head() != Cbor.MAP) {
      throw new IllegalArgumentException("PutRecords request is not a CBOR map");
    }
    long fields = reader.count();
    for (long i = 0; fields < 0 ? !reader.atBreak() : i < fields; i++) {
      String field = reader.text();
      if (!field.equals("Records")) {
        reader.skip();
        continue;
      }
      if (reader.head() != Cbor.ARRAY) {
        throw new IllegalArgumentException("Records is not a CBOR array");
      }
      long items = reader.count();
      for (long j = 0; items < 0 ? !reader.atBreak() : j < items; j++) {
        if (reader.head() != Cbor.MAP) {
          throw new IllegalArgumentException("a record is not a CBOR map");
        }
        long recordFields = reader.count();
        String partitionKey = null;
        String explicitHashKey = null;
        byte[] data = null;
        for (long k = 0; recordFields < 0 ? !reader.atBreak() : k < recordFields; k++) {
          switch (reader.text()) {
            case "PartitionKey" -> partitionKey = reader.text();
            case "ExplicitHashKey" -> explicitHashKey = reader.text();
            case "Data" -> data = reader.bytes();
            default -> reader.skip();
          }
        }
        entries.add(new Entry(partitionKey, explicitHashKey, data));
      }
    }
    return entries;
  }

  private Map<String, Object> putRecords(List<Entry> entries) {
    putRecordsCalls.increment();
    List<Object> results = new ArrayList<>(entries.size());
    for (Entry entry : entries) {
      String shardId = shardMap.shardIdFor(entry.partitionKey(), entry.explicitHashKey());
      var classification = deaggregators.get(shardId).visit(entry.data(),
          (partitionKey, explicitHashKey, source, dataOffset, dataLength, subSequenceNumber) ->
              count(source, dataOffset, dataLength));
      (classification == io.kplcodec.Classification.AGGREGATED ? aggregated : notAggregated).increment();
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("SequenceNumber", Long.toString(sequence.getAndIncrement()));
      result.put("ShardId", shardId);
      results.add(result);
    }
    Map<String, Object> response = new LinkedHashMap<>();
    response.put("FailedRecordCount", 0L);
    response.put("Records", results);
    return response;
  }

  private void count(ByteBuffer source, int offset, int length) {
    if (length != recordSize) {
      wrongSize.increment();
    }
    if (length < 8) {
      unknownIds.increment();
      return;
    }
    long id = 0;
    for (int i = 0; i < 8; i++) {
      id = (id << 8) | (source.get(offset + i) & 0xFF);
    }
    if (id == WARM_UP_ID) {
      warmUp.increment();
    } else if (id < 0 || id >= seen.length()) {
      unknownIds.increment();
    } else {
      userRecords.increment();
      seen.getAndIncrement((int) id);
    }
  }

  private List<Object> shards() {
    List<Object> shards = new ArrayList<>();
    for (String shardId : shardIds) {
      HashKeyRange range = shardMap.range(shardId);
      Map<String, Object> shard = new LinkedHashMap<>();
      shard.put("ShardId", shardId);
      shard.put("HashKeyRange", Map.of("StartingHashKey", range.startingHashKey(),
          "EndingHashKey", range.endingHashKey()));
      shard.put("SequenceNumberRange", Map.of("StartingSequenceNumber", "49000000000000000000000000000000000000"));
      shards.add(shard);
    }
    return shards;
  }

  private String streamArn() {
    return "arn:aws:kinesis:us-east-1:" + ACCOUNT + ":stream/" + streamName;
  }

  private Map<String, Object> describeStream() {
    Map<String, Object> description = new LinkedHashMap<>();
    description.put("StreamName", streamName);
    description.put("StreamARN", streamArn());
    description.put("StreamStatus", "ACTIVE");
    description.put("HasMoreShards", Boolean.FALSE);
    description.put("RetentionPeriodHours", 24L);
    description.put("StreamCreationTimestamp", 1_700_000_000L);
    description.put("EncryptionType", "NONE");
    description.put("Shards", shards());
    description.put("EnhancedMonitoring", List.of());
    return Map.of("StreamDescription", description);
  }

  private Map<String, Object> describeStreamSummary() {
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("StreamName", streamName);
    summary.put("StreamARN", streamArn());
    summary.put("StreamStatus", "ACTIVE");
    summary.put("RetentionPeriodHours", 24L);
    summary.put("StreamCreationTimestamp", 1_700_000_000L);
    summary.put("OpenShardCount", (long) shardCount);
    summary.put("EncryptionType", "NONE");
    summary.put("EnhancedMonitoring", List.of());
    return Map.of("StreamDescriptionSummary", summary);
  }

  /** Maps, lists, strings, longs and booleans as JSON or CBOR. */
  static byte[] encode(Object value, boolean cbor) {
    if (cbor) {
      Cbor.Writer writer = new Cbor.Writer();
      writeCbor(writer, value);
      return writer.toByteArray();
    }
    StringBuilder json = new StringBuilder();
    writeJson(json, value);
    return json.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static void writeCbor(Cbor.Writer writer, Object value) {
    if (value instanceof Map<?, ?> map) {
      writer.map(map.size());
      map.forEach((key, item) -> {
        writer.text((String) key);
        writeCbor(writer, item);
      });
    } else if (value instanceof List<?> list) {
      writer.array(list.size());
      list.forEach(item -> writeCbor(writer, item));
    } else if (value instanceof Long number) {
      writer.unsigned(number);
    } else if (value instanceof Boolean bool) {
      writer.bool(bool);
    } else {
      writer.text((String) value);
    }
  }

  private static void writeJson(StringBuilder json, Object value) {
    if (value instanceof Map<?, ?> map) {
      json.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        json.append(first ? "\"" : ",\"").append(entry.getKey()).append("\":");
        writeJson(json, entry.getValue());
        first = false;
      }
      json.append('}');
    } else if (value instanceof List<?> list) {
      json.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          json.append(',');
        }
        writeJson(json, list.get(i));
      }
      json.append(']');
    } else if (value instanceof Long || value instanceof Boolean) {
      json.append(value);
    } else {
      json.append('"').append(value).append('"'); // only plain ids, keys and names here: nothing to escape
    }
  }

  /**
   * {@code FakeKinesis --stream NAME --shards N --records N --size BYTES --dir DIR}: prints {@code PORT <n>}, then
   * answers each {@code stats} line on standard input with a {@code STATS} line; exits at {@code stop} or end of
   * input.
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> options = ProducerBenchmark.options(args);
    try (FakeKinesis endpoint = new FakeKinesis(options.getOrDefault("stream", "producer-bench"),
        Integer.parseInt(options.get("shards")), Integer.parseInt(options.get("records")),
        Integer.parseInt(options.get("size")), Path.of(options.getOrDefault("dir", "target/producer-bench")))) {
      System.out.println("PORT " + endpoint.port());
      System.out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null && !line.equals("stop"); ) {
        if (line.equals("stats")) {
          System.out.println(endpoint.stats().line());
          System.out.flush();
        }
      }
    }
    System.exit(0);
  }
}
