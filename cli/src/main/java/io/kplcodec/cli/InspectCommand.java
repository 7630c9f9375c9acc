package io.kplcodec.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kplcodec.Classification;
import io.kplcodec.CorruptAggregateException;
import io.kplcodec.Deaggregator;
import io.kplcodec.UserRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** {@code kplc inspect}: what is inside Kinesis records, for people (a table) or tools (JSON lines). */
final class InspectCommand extends Command {
  /** The KPL format's first four bytes. */
  private static final byte[] MAGIC = {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2};
  /** Magic, MD5 and at least one byte: shorter records are never aggregates (KCL's rule). */
  private static final int MIN_AGGREGATE_SIZE = 4 + 16 + 1;
  private static final int TABLE_DATA_CHARS = 100;
  private static final int TABLE_KEY_CHARS = 48;

  private final Deaggregator deaggregator = Deaggregator.create();

  @Override
  String name() {
    return "inspect";
  }

  @Override
  String summary() {
    return "Show the user records inside Kinesis records, and whether each is aggregated, not aggregated or corrupt.";
  }

  @Override
  String usage() {
    return "kplc inspect [options] [FILE|DIR|-]...";
  }

  @Override
  List<Option> options() {
    return List.of(
        Option.value("format", "FORMAT", "auto (default), raw, base64, lambda or get-records"),
        Option.value("output", "table|json", "a table for people (default) or one JSON line per Kinesis record"),
        Option.flag("full", "show whole data and keys in the table instead of cutting them"));
  }

  @Override
  String details() {
    return """
        Input: files, directories (every file in it, in name order) or stdin (- or nothing), each holding
          raw         one record's bytes (the whole file)
          base64      one record per line
          lambda      a Lambda Kinesis event {"Records":[{"kinesis":{"data":...}}]}, or JSON lines of its records
          get-records GetRecords output {"Records":[{"Data":...,"PartitionKey":...}]} (SDK, AWS CLI, HTTP API),
                      a PutRecords request, a JSON array or JSON lines of such records
        auto tells them apart: JSON of those shapes, else base64 lines, else one raw record.

        For each Kinesis record: aggregated (its user records: sub-sequence number, partition key, explicit hash
        key, data), not aggregated (and why: no magic, too short, MD5 mismatch; KCL passes it through as one
        record), or corrupt (the offset and reason kpl-codec's decoder reports). Data shows as text when it is
        printable UTF-8, else as base64. Exit code 1 if any record is corrupt.

        Examples:
          kplc inspect record.bin
          aws kinesis get-records --shard-iterator "$IT" > out.json && kplc inspect out.json
          kplc inspect --output json lambda-event.json | jq '.userRecords[].partitionKey'
        """;
  }

  @Override
  int run(Arguments arguments, Streams streams) {
    InputFormat format = InputFormat.ofOption(arguments.choice("format", "auto", InputFormat.options()));
    boolean json = arguments.choice("output", "table", "table", "json").equals("json");
    boolean full = arguments.flag("full");
    List<KinesisRecordReader.Parsed> inputs = KinesisRecordReader.readAll(arguments.positionals(), format, streams);
    long total = 0;
    long aggregated = 0;
    long notAggregated = 0;
    long corrupt = 0;
    long userRecords = 0;
    for (KinesisRecordReader.Parsed input : inputs) {
      if (!json) {
        streams.out.println(input.source() + ": " + input.format().description()
            + (input.note() == null ? "" : " (" + input.note() + ")") + ", "
            + plural(input.records().size(), "Kinesis record"));
      }
      for (InputRecord record : input.records()) {
        total++;
        Inspection inspection = inspect(record.data());
        switch (inspection.classification) {
          case AGGREGATED -> {
            aggregated++;
            userRecords += inspection.userRecords.size();
          }
          case NOT_AGGREGATED -> notAggregated++;
          default -> corrupt++;
        }
        if (json) {
          streams.out.println(Json.write(toJson(record, inspection)));
        } else {
          printTable(streams, total, record, inspection, full);
        }
      }
    }
    if (!json) {
      streams.out.println(plural(total, "Kinesis record") + ": " + aggregated + " aggregated ("
          + plural(userRecords, "user record") + "), " + notAggregated + " not aggregated, " + corrupt + " corrupt");
    }
    if (corrupt > 0) {
      streams.out.flush();
      throw CliException.failed(corrupt + " of " + plural(total, "Kinesis record") + (corrupt == 1 ? " is" : " are")
          + " corrupt");
    }
    return 0;
  }

  /** What one record is. */
  private static final class Inspection {
    Classification classification;
    List<UserRecord> userRecords = List.of();
    String note;
    CorruptAggregateException error;
  }

  private Inspection inspect(byte[] data) {
    Inspection inspection = new Inspection();
    inspection.classification = deaggregator.classify(data);
    switch (inspection.classification) {
      case AGGREGATED -> inspection.userRecords = deaggregator.deaggregate(data);
      case NOT_AGGREGATED -> inspection.note = whyNotAggregated(data);
      default -> {
        try {
          deaggregator.deaggregate(data);
          throw new IllegalStateException("classified as corrupt but decoded: a kpl-codec bug");
        } catch (CorruptAggregateException e) {
          inspection.error = e;
        }
      }
    }
    return inspection;
  }

  /** Why KCL would pass the record through whole (the decoder's rules, spelled out). */
  static String whyNotAggregated(byte[] data) {
    boolean magic = data.length >= MAGIC.length;
    for (int i = 0; magic && i < MAGIC.length; i++) {
      magic = data[i] == MAGIC[i];
    }
    if (!magic) {
      return "no KPL magic";
    }
    if (data.length < MIN_AGGREGATE_SIZE) {
      return "KPL magic, but too short for an aggregate";
    }
    return "KPL magic, but the MD5 does not match";
  }

  private void printTable(Streams streams, long number, InputRecord record, Inspection inspection, boolean full) {
    StringBuilder header = new StringBuilder("record ").append(number);
    if (!record.location().isEmpty()) {
      header.append(" (").append(record.location()).append(')');
    }
    header.append(": ");
    switch (inspection.classification) {
      case AGGREGATED -> header.append("aggregated, ").append(plural(inspection.userRecords.size(), "user record"));
      case NOT_AGGREGATED -> header.append("not aggregated (").append(inspection.note).append(')');
      default -> header.append("CORRUPT at offset ").append(inspection.error.offset()).append(": ")
          .append(inspection.error.reason().description()).append(" (").append(inspection.error.reason())
          .append(')');
    }
    header.append(", ").append(plural(record.data().length, "byte"));
    streams.out.println(header);
    List<String> metadata = new ArrayList<>();
    if (record.partitionKey() != null) {
      metadata.add("partition key " + Text.key(record.partitionKey(), full ? 0 : TABLE_KEY_CHARS));
    }
    if (record.explicitHashKey() != null) {
      metadata.add("explicit hash key " + record.explicitHashKey());
    }
    if (record.shardId() != null) {
      metadata.add(record.shardId());
    }
    if (record.sequenceNumber() != null) {
      metadata.add("sequence number " + record.sequenceNumber());
    }
    if (record.arrival() != null) {
      metadata.add("arrived " + record.arrival());
    }
    if (!metadata.isEmpty()) {
      streams.out.println("  " + String.join(", ", metadata));
    }
    int keyChars = full ? 0 : TABLE_KEY_CHARS;
    int dataChars = full ? 0 : TABLE_DATA_CHARS;
    if (inspection.classification == Classification.AGGREGATED && !inspection.userRecords.isEmpty()) {
      Table table = new Table().row("SUB", "PARTITION KEY", "EXPLICIT HASH KEY", "BYTES", "DATA");
      for (UserRecord user : inspection.userRecords) {
        ByteBuffer data = user.data();
        table.row(Long.toString(user.subSequenceNumber()), Text.key(user.partitionKey(), keyChars),
            Text.key(user.explicitHashKey(), keyChars), Text.number(data.remaining()), Text.cell(data, dataChars));
      }
      table.print(streams.out, "  ");
    } else if (inspection.classification == Classification.NOT_AGGREGATED) {
      streams.out.println("  data: " + Text.cell(ByteBuffer.wrap(record.data()), dataChars));
    }
  }

  private static ObjectNode toJson(InputRecord record, Inspection inspection) {
    ObjectNode node = Json.object();
    node.put("source", record.source());
    if (!record.location().isEmpty()) {
      node.put("location", record.location());
    }
    putIfPresent(node, "shardId", record.shardId());
    putIfPresent(node, "sequenceNumber", record.sequenceNumber());
    putIfPresent(node, "arrival", record.arrival());
    putIfPresent(node, "partitionKey", record.partitionKey());
    putIfPresent(node, "explicitHashKey", record.explicitHashKey());
    node.put("bytes", record.data().length);
    switch (inspection.classification) {
      case AGGREGATED -> {
        node.put("status", "aggregated");
        ArrayNode users = node.putArray("userRecords");
        for (UserRecord user : inspection.userRecords) {
          ObjectNode userNode = users.addObject();
          userNode.put("subSequenceNumber", user.subSequenceNumber());
          userNode.put("partitionKey", user.partitionKey());
          putIfPresent(userNode, "explicitHashKey", user.explicitHashKey());
          UserRecordJson.putData(userNode, user.data());
        }
      }
      case NOT_AGGREGATED -> {
        node.put("status", "not-aggregated");
        node.put("note", inspection.note);
        ObjectNode userNode = node.putArray("userRecords").addObject();
        userNode.put("subSequenceNumber", 0);
        putIfPresent(userNode, "partitionKey", record.partitionKey());
        putIfPresent(userNode, "explicitHashKey", record.explicitHashKey());
        UserRecordJson.putData(userNode, ByteBuffer.wrap(record.data()));
      }
      default -> {
        node.put("status", "corrupt");
        ObjectNode error = node.putObject("error");
        error.put("offset", inspection.error.offset());
        error.put("reason", inspection.error.reason().name());
        error.put("description", inspection.error.reason().description());
      }
    }
    return node;
  }

  private static void putIfPresent(ObjectNode node, String field, String value) {
    if (value != null) {
      node.put(field, value);
    }
  }

  static String plural(long count, String noun) {
    return Text.number(count) + " " + noun + (count == 1 ? "" : "s");
  }
}
