package io.kplcodec.cli;

import io.kplcodec.Deaggregator;
import io.kplcodec.UserRecord;
import java.nio.ByteBuffer;
import java.util.List;

/** {@code kplc deaggregate}: Kinesis records in, their user records out as JSON lines ({@code aggregate}'s input). */
final class DeaggregateCommand extends Command {
  /** Data that is JSON embedded as a JSON value (deaggregate, inspect, tail). */
  static final Option JSON_DATA = Option.flag("json-data", "write data that is a JSON object or array as that "
      + "JSON value, so jq .data.field works (read back, its compact text is the data)");

  @Override
  String name() {
    return "deaggregate";
  }

  @Override
  String summary() {
    return "Unpack Kinesis records into their user records, as JSON lines that kplc aggregate and put read.";
  }

  @Override
  String usage() {
    return "kplc deaggregate [options] [FILE|DIR|-]...";
  }

  @Override
  List<Option> options() {
    return List.of(
        Option.value("format", "FORMAT", "auto (default), raw, base64, lambda or get-records (see kplc inspect)"),
        Option.flag("pass-corrupt-through", "write a corrupt aggregate whole as one user record, as KCL does, "
            + "instead of failing"),
        InspectCommand.ALLOW_MD5_MISMATCH, JSON_DATA);
  }

  @Override
  String details() {
    return """
        Output: one JSON line per user record, in order, in the schema tail --output json writes too:
          {"shardId":"shardId-000000000003","sequenceNumber":"4959...","subSequenceNumber":0,
           "arrival":"2026-01-01T00:00:00.123Z","encryptionType":"NONE","partitionKey":"customer-1",
           "explicitHashKey":"12345","aggregated":true,"data":"any text"}
        shardId, sequenceNumber, arrival and encryptionType come from the input when it has them (a Lambda event,
        GetRecords output), explicitHashKey when there is one. data when the bytes are printable UTF-8, else
        dataBase64; either way the bytes come back exactly (--json-data writes JSON data as a JSON value). A
        record that is not aggregated is one user record (aggregated false) with the Kinesis record's own
        partition key. The lines read back into kplc aggregate and put.

        Records are written as they are read, so output starts at once and memory stays small whatever the input's
        size. A corrupt aggregate (right magic and MD5, malformed inside) is an error naming it, its offset and
        reason, after the user records before it; --pass-corrupt-through writes it whole instead and says so on
        stderr. So is a record with the KPL magic whose MD5 does not match (truncated or damaged):
        --allow-md5-mismatch writes it whole as one user record, as KCL does.

        Examples:
          kplc deaggregate aggregates.b64
          kplc aggregate records.jsonl | kplc deaggregate    # the same user records back
        """;
  }

  @Override
  int run(Arguments arguments, Streams streams) {
    InputFormat format = InputFormat.ofOption(arguments.choice("format", "auto", InputFormat.options()));
    boolean passCorruptThrough = arguments.flag("pass-corrupt-through");
    boolean allowMd5Mismatch = arguments.flag(InspectCommand.ALLOW_MD5_MISMATCH.name());
    boolean jsonData = arguments.flag(JSON_DATA.name());
    Deaggregator deaggregator = Deaggregator.create();
    long[] counts = {0, 0, 0}; // user records, corrupt aggregates passed through, MD5 mismatches passed through
    // Streamed: each Kinesis record's user records are written as soon as it is read, so a bad record stops the
    // command after the user records of the records before it.
    Progress progress = streams.progressOf("Kinesis record");
    KinesisRecordReader.readAll(arguments.positionals(), format, streams, new KinesisRecordReader.Handler() {
      @Override
      public void input(String source, InputFormat found, String note) {
        // stdout is the user records: which format auto chose goes to stderr, always when it read one raw record
        if (note != null && (found == InputFormat.RAW || streams.verbose)) {
          streams.progress(source + ": read as " + found.description() + " (" + note + ")");
        }
      }

      @Override
      public void record(InputRecord record) {
        progress.add(record.data().length);
        RecordCheck check = RecordCheck.of(deaggregator, record.data());
        switch (check.status) {
          case AGGREGATED -> {
            for (UserRecord user : check.userRecords) {
              streams.out.println(Json.write(UserRecordJson.toJson(record.shardId(), record.sequenceNumber(),
                  user.subSequenceNumber(), record.arrival(), record.encryptionType(), user.partitionKey(),
                  user.explicitHashKey(), true, user.data(), jsonData)));
            }
            counts[0] += check.userRecords.size();
            streams.flushIfDue();
            return;
          }
          case CORRUPT -> {
            String message = record.where() + ": " + check.corruption();
            if (!passCorruptThrough) {
              throw CliException.failed(message + " (--pass-corrupt-through writes it whole)", check.error);
            }
            streams.progress(message + "; written whole as one user record");
            counts[1]++;
          }
          case MD5_MISMATCH -> {
            String message = record.where() + ": " + check.note;
            if (!allowMd5Mismatch) {
              throw CliException.failed(message + " (--" + InspectCommand.ALLOW_MD5_MISMATCH.name()
                  + " writes it whole as one user record, as KCL does)");
            }
            streams.progress(message + "; written whole as one user record, as KCL does");
            counts[2]++;
          }
          default -> { }
        }
        streams.out.println(Json.write(UserRecordJson.toJson(record.shardId(), record.sequenceNumber(), 0,
            record.arrival(), record.encryptionType(), record.partitionKey(), record.explicitHashKey(), false,
            ByteBuffer.wrap(record.data()), jsonData)));
        counts[0]++;
        streams.flushIfDue();
      }
    });
    progress.done();
    if (streams.verbose) {
      streams.out.flush();
      streams.progress("deaggregated " + InspectCommand.plural(counts[0], "user record")
          + (counts[1] == 0 ? "" : " (" + counts[1] + " corrupt aggregates passed through whole)")
          + (counts[2] == 0 ? "" : " (" + counts[2] + " MD5 mismatches passed through whole)"));
    }
    return 0;
  }
}
