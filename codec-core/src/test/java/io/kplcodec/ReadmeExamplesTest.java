package io.kplcodec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The README's quick-start snippets, verbatim between the marker comments, so that they are known to work. */
class ReadmeExamplesTest {
  /** What the aggregate snippet's {@code send} was given, copied: the record is released right after. */
  private record Sent(String partitionKey, String explicitHashKey, byte[] data) {}

  private final List<Sent> sent = new ArrayList<>();

  private void send(String partitionKey, String explicitHashKey, ByteBuffer data) {
    byte[] copy = new byte[data.remaining()];
    data.duplicate().get(copy);
    sent.add(new Sent(partitionKey, explicitHashKey, copy));
  }

  @Test
  void aggregate() {
    // README:aggregate start
    Aggregator aggregator = Aggregator.builder().build(); // 1 MiB records, the stream default

    List<KinesisRecord> toSend = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      byte[] event = ("{\"order\":" + i + "}").getBytes(StandardCharsets.UTF_8);
      KinesisRecord full = aggregator.add("customer-" + (i % 10), event);
      if (full != null) {
        toSend.add(full); // an aggregate filled up
      }
    }
    toSend.addAll(aggregator.flush()); // whatever is still pending

    for (KinesisRecord record : toSend) {
      send(record.partitionKey(), record.explicitHashKey(), record.data()); // your PutRecords entry
      record.release(); // once sent: its buffer goes back to the pool; the record is then gone
    }
    // README:aggregate end

    assertEquals(1, toSend.size(), "1000 small events fit in one aggregate");
    assertTrue(toSend.get(0).isReleased());
    assertEquals(1, sent.size());
    Sent only = sent.get(0);
    assertEquals("customer-0", only.partitionKey());
    assertEquals(1000, Deaggregator.create().deaggregate(only.data()).size());
    assertEquals(Classification.AGGREGATED, Deaggregator.create().classify(only.data()));
    assertEquals(0, aggregator.pendingUserRecordCount());
  }

  @Test
  void deaggregate() {
    Aggregator producer = Aggregator.builder().build();
    producer.add("sensor-1", null, "21.5".getBytes(StandardCharsets.UTF_8));
    producer.add("sensor-2", null, "19.0".getBytes(StandardCharsets.UTF_8));
    byte[] kinesisRecordData = producer.flush().get(0).toByteArray(); // what GetRecords or Lambda hands you

    // README:deaggregate start
    Deaggregator deaggregator = Deaggregator.create(); // immutable and thread-safe: share one

    List<String> readings = new ArrayList<>();
    for (UserRecord userRecord : deaggregator.deaggregate(kinesisRecordData)) {
      String key = userRecord.partitionKey(); // null if the record was not aggregated: use the Kinesis record's key
      String value = new String(userRecord.dataBytes(), StandardCharsets.UTF_8);
      readings.add(key + "=" + value);
    }
    // README:deaggregate end

    assertEquals(List.of("sensor-1=21.5", "sensor-2=19.0"), readings);
  }

  @Test
  void batch() {
    // README:batch start
    List<KinesisRecord> records = new ArrayList<>();
    for (int i = 0; i < 1200; i++) {
      records.add(KinesisRecord.of("device-" + i, null, new byte[1024])); // or an Aggregator's output
    }

    PutRecordsBatcher batcher = PutRecordsBatcher.builder().build(); // 500 entries, 5 MiB per request
    List<List<KinesisRecord>> requests = batcher.split(records).requests();
    for (List<KinesisRecord> request : requests) {
      // one PutRecords call per request, entries in this order
    }
    // README:batch end

    assertEquals(List.of(500, 500, 200), requests.stream().map(List::size).toList());
  }

  @Test
  void readmeShowsTheseSnippetsVerbatim() throws IOException {
    String source = Files.readString(Path.of("src/test/java/io/kplcodec/ReadmeExamplesTest.java"));
    String readme = Files.readString(Path.of("../README.md"));
    Matcher snippet = Pattern.compile("// README:(\\w+) start\n(.*?)\n\\s*// README:\\1 end", Pattern.DOTALL)
        .matcher(source);
    int found = 0;
    while (snippet.find()) {
      String code = snippet.group(2).replaceAll("(?m)^ {4}", "");
      assertTrue(readme.contains(code), "README.md lacks the '" + snippet.group(1) + "' snippet:\n" + code);
      found++;
    }
    assertEquals(3, found);
  }
}
