package io.kplcodec.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kplcodec.Classification;
import io.kplcodec.CorruptAggregateException;
import io.kplcodec.Deaggregator;
import io.kplcodec.UserRecord;
import java.nio.ByteBuffer;
import java.util.List;

/** {@code kplc deaggregate}: Kinesis records in, their user records out as JSON lines ({@code aggregate}'s input). */
final class DeaggregateCommand extends Command {
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
            + "instead of failing"));
  }

  @Override
  String details() {
    return """
        Output: one JSON line per user record, in order:
          {"partitionKey":"customer-1","data":"any text"}
          {"partitionKey":"ключ","explicitHashKey":"12345","dataBase64":"AAECAw=="}
        data when the bytes are printable UTF-8, else dataBase64; either way the bytes come back exactly. A record
        that is not aggregated is one user record with the Kinesis record's own partition key (absent when the
        input does not say it, e.g. base64 lines).

        A corrupt aggregate (right magic and MD5, malformed inside) is an error naming it, its offset and reason,
        before anything is written; --pass-corrupt-through writes it whole instead and says so on stderr.

        Examples:
          kplc deaggregate aggregates.b64
          kplc aggregate records.jsonl | kplc deaggregate    # the same user records back
        """;
  }

  @Override
  int run(Arguments arguments, Streams streams) {
    InputFormat format = InputFormat.ofOption(arguments.choice("format", "auto", InputFormat.options()));
    boolean passCorruptThrough = arguments.flag("pass-corrupt-through");
    List<KinesisRecordReader.Parsed> inputs = KinesisRecordReader.readAll(arguments.positionals(), format, streams);
    Deaggregator deaggregator = Deaggregator.create();
    // Everything is checked before anything is written: a corrupt record fails the command without partial output.
    long corrupt = 0;
    for (KinesisRecordReader.Parsed input : inputs) {
      for (InputRecord record : input.records()) {
        if (deaggregator.classify(record.data()) == Classification.CORRUPT) {
          CorruptAggregateException error = corruption(deaggregator, record.data());
          String message = record.where() + ": corrupt aggregated record at offset " + error.offset() + ": "
              + error.reason().description() + " (" + error.reason() + ")";
          if (!passCorruptThrough) {
            throw CliException.failed(message, error);
          }
          streams.progress(message + "; written whole as one user record");
          corrupt++;
        }
      }
    }
    long userRecords = 0;
    for (KinesisRecordReader.Parsed input : inputs) {
      for (InputRecord record : input.records()) {
        Classification classification = deaggregator.classify(record.data());
        if (classification == Classification.AGGREGATED) {
          for (UserRecord user : deaggregator.deaggregate(record.data())) {
            streams.out.println(Json.write(UserRecordJson.toJson(user.partitionKey(), user.explicitHashKey(),
                user.data())));
            userRecords++;
          }
        } else {
          ObjectNode whole = UserRecordJson.toJson(record.partitionKey(), record.explicitHashKey(),
              ByteBuffer.wrap(record.data()));
          streams.out.println(Json.write(whole));
          userRecords++;
        }
      }
    }
    if (streams.verbose) {
      streams.out.flush();
      streams.progress("deaggregated " + InspectCommand.plural(userRecords, "user record")
          + (corrupt == 0 ? "" : " (" + corrupt + " corrupt aggregates passed through whole)"));
    }
    return 0;
  }

  private static CorruptAggregateException corruption(Deaggregator deaggregator, byte[] data) {
    try {
      deaggregator.deaggregate(data);
    } catch (CorruptAggregateException e) {
      return e;
    }
    throw new IllegalStateException("classified as corrupt but decoded: a kpl-codec bug");
  }
}
