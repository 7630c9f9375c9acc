package io.kplcodec.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kplcodec.Deaggregator;
import io.kplcodec.UserRecord;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** {@code kplc inspect}: what is inside Kinesis records, for people (a table) or tools (JSON lines). */
final class InspectCommand extends Command {
  /** A record with the KPL magic and a wrong MD5 is an error unless asked for KCL's way (inspect, deaggregate). */
  static final Option ALLOW_MD5_MISMATCH = Option.flag("allow-md5-mismatch", "take a record with the KPL magic "
      + "whose MD5 does not match as one plain record, as KCL does, instead of failing (exit code 1)");
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
        Option.flag("full", "show whole data and keys in the table instead of cutting them"),
        ALLOW_MD5_MISMATCH, DeaggregateCommand.JSON_DATA);
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
        auto tells them apart and says which it chose and why: JSON, else text with base64 lines (standard or
        URL-safe), else one raw record. JSON or base64 lines that do not parse are an error naming the line, never
        a raw record. A UTF-8 byte order mark is skipped; empty input is an error.

        For each Kinesis record: aggregated (its user records: sub-sequence number, partition key, explicit hash
        key, data), not aggregated (no KPL magic), MD5 mismatch (the KPL magic, but the MD5 fails or the record
        is too short: truncated or damaged; KCL passes it through as one record), or corrupt (the offset and
        reason kpl-codec's decoder reports). Data shows as text when it is printable UTF-8, else as base64. Exit
        code 1 if any record is corrupt or fails its MD5 (--allow-md5-mismatch: KCL's view, exit code 0).

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
    boolean jsonData = arguments.flag(DeaggregateCommand.JSON_DATA.name());
    boolean allowMd5Mismatch = arguments.flag(ALLOW_MD5_MISMATCH.name());
    long[] counts = new long[RecordCheck.Status.values().length];
    long[] totals = {0, 0}; // Kinesis records, user records
    Progress progress = streams.progressOf("Kinesis record");
    KinesisRecordReader.readAll(arguments.positionals(), format, streams, new KinesisRecordReader.Handler() {
      @Override
      public void input(String source, InputFormat found, String note) {
        if (!json) {
          streams.out.println(source + ": " + found.description() + (note == null ? "" : " (" + note + ")"));
        }
      }

      @Override
      public void record(InputRecord record) {
        totals[0]++;
        progress.add(record.data().length);
        RecordCheck check = RecordCheck.of(deaggregator, record.data());
        counts[check.status.ordinal()]++;
        totals[1] += check.userRecords.size();
        if (json) {
          streams.out.println(Json.write(toJson(record, check, jsonData)));
        } else {
          printTable(streams, totals[0], record, check, full);
        }
        streams.flushIfDue();
      }
    });
    progress.done();
    long corrupt = counts[RecordCheck.Status.CORRUPT.ordinal()];
    long mismatched = counts[RecordCheck.Status.MD5_MISMATCH.ordinal()];
    if (!json) {
      streams.out.println(plural(totals[0], "Kinesis record") + ": "
          + counts[RecordCheck.Status.AGGREGATED.ordinal()] + " aggregated (" + plural(totals[1], "user record")
          + "), " + counts[RecordCheck.Status.NOT_AGGREGATED.ordinal()] + " not aggregated, " + mismatched
          + " MD5 mismatch, " + corrupt + " corrupt");
    }
    String problems = corrupt == 0 ? null : corrupt + " of " + plural(totals[0], "Kinesis record")
        + (corrupt == 1 ? " is" : " are") + " corrupt";
    if (mismatched > 0 && !allowMd5Mismatch) {
      problems = (problems == null ? mismatched + " of " + plural(totals[0], "Kinesis record") : problems + ", "
          + mismatched) + (mismatched == 1 ? " looks" : " look") + " aggregated but failed the MD5 (truncated or "
          + "corrupt?; --" + ALLOW_MD5_MISMATCH.name() + " accepts that, as KCL does)";
    }
    if (problems != null) {
      streams.out.flush();
      throw CliException.failed(problems);
    }
    return 0;
  }

  private static void printTable(Streams streams, long number, InputRecord record, RecordCheck inspection,
      boolean full) {
    StringBuilder header = new StringBuilder("record ").append(number);
    if (!record.location().isEmpty()) {
      header.append(" (").append(record.location()).append(')');
    }
    header.append(": ");
    switch (inspection.status) {
      case AGGREGATED -> header.append("aggregated, ").append(plural(inspection.userRecords.size(), "user record"));
      case NOT_AGGREGATED -> header.append("not aggregated (").append(inspection.note).append(')');
      case MD5_MISMATCH -> header.append("MD5 MISMATCH: ").append(inspection.note);
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
    if (inspection.status == RecordCheck.Status.AGGREGATED && !inspection.userRecords.isEmpty()) {
      Table table = new Table().row("SUB", "PARTITION KEY", "EXPLICIT HASH KEY", "BYTES", "DATA");
      for (UserRecord user : inspection.userRecords) {
        ByteBuffer data = user.data();
        table.row(Long.toString(user.subSequenceNumber()), Text.key(user.partitionKey(), keyChars),
            Text.key(user.explicitHashKey(), keyChars), Text.number(data.remaining()), Text.cell(data, dataChars));
      }
      table.print(streams.out, "  ");
    } else if (inspection.status == RecordCheck.Status.NOT_AGGREGATED
        || inspection.status == RecordCheck.Status.MD5_MISMATCH) {
      streams.out.println("  data: " + Text.cell(ByteBuffer.wrap(record.data()), dataChars));
    }
  }

  private static ObjectNode toJson(InputRecord record, RecordCheck inspection, boolean jsonData) {
    ObjectNode node = Json.object();
    node.put("source", record.source());
    if (!record.location().isEmpty()) {
      node.put("location", record.location());
    }
    UserRecordJson.putIfPresent(node, "shardId", record.shardId());
    UserRecordJson.putIfPresent(node, "sequenceNumber", record.sequenceNumber());
    UserRecordJson.putIfPresent(node, "arrival", record.arrival());
    UserRecordJson.putIfPresent(node, "encryptionType", record.encryptionType());
    UserRecordJson.putIfPresent(node, "partitionKey", record.partitionKey());
    UserRecordJson.putIfPresent(node, "explicitHashKey", record.explicitHashKey());
    node.put("bytes", record.data().length);
    node.put("status", inspection.status.json());
    switch (inspection.status) {
      case AGGREGATED -> {
        ArrayNode users = node.putArray("userRecords");
        for (UserRecord user : inspection.userRecords) {
          ObjectNode userNode = users.addObject();
          userNode.put("subSequenceNumber", user.subSequenceNumber());
          userNode.put("partitionKey", user.partitionKey());
          UserRecordJson.putIfPresent(userNode, "explicitHashKey", user.explicitHashKey());
          UserRecordJson.putData(userNode, user.data(), jsonData);
        }
      }
      case NOT_AGGREGATED, MD5_MISMATCH -> {
        node.put("note", inspection.note);
        ObjectNode userNode = node.putArray("userRecords").addObject();
        userNode.put("subSequenceNumber", 0);
        UserRecordJson.putIfPresent(userNode, "partitionKey", record.partitionKey());
        UserRecordJson.putIfPresent(userNode, "explicitHashKey", record.explicitHashKey());
        UserRecordJson.putData(userNode, ByteBuffer.wrap(record.data()), jsonData);
      }
      default -> {
        ObjectNode error = node.putObject("error");
        error.put("offset", inspection.error.offset());
        error.put("reason", inspection.error.reason().name());
        error.put("description", inspection.error.reason().description());
      }
    }
    return node;
  }

  static String plural(long count, String noun) {
    return Text.number(count) + " " + noun + (count == 1 ? "" : "s");
  }
}
