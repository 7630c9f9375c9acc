package io.kplcodec.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kplcodec.Aggregator;
import io.kplcodec.KinesisRecord;
import io.kplcodec.ShardMap;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** {@code kplc aggregate}: JSON lines of user records in, Kinesis records in the KPL aggregated format out. */
final class AggregateCommand extends Command {
  /** The service's default and largest maximum record size. */
  static final int DEFAULT_MAX_RECORD_SIZE = 1024 * 1024;
  static final int LARGEST_MAX_RECORD_SIZE = 10 * 1024 * 1024;

  @Override
  String name() {
    return "aggregate";
  }

  @Override
  String summary() {
    return "Pack user records (JSON lines) into Kinesis records in the KPL aggregated format.";
  }

  @Override
  String usage() {
    return "kplc aggregate [options] [FILE|-]...";
  }

  @Override
  List<Option> options() {
    return List.of(
        Option.value("max-record-size", "BYTES",
            "largest Kinesis record, data + partition key: 1MiB (default) up to 10MiB"),
        Option.value("max-user-records", "N", "at most N user records per aggregate (default: as many as fit)"),
        Option.value("shards", "N", "aggregate per shard of N even shards, as a new stream of N shards has"),
        Option.value("shard-map", "FILE", "aggregate per open shard of a ListShards or DescribeStream JSON file"),
        Option.value("partition-key", "KEY", "send every aggregate with this partition key (default: its first "
            + "user record's)"),
        Option.flag("raw-lone-records", "write a lone user record as its bare data, as the KPL does (default: "
            + "wrapped, so its key is kept)"),
        Option.value("output", "base64|json", "one base64 line per record (default), or one PutRecords entry "
            + "{\"PartitionKey\",\"ExplicitHashKey\",\"Data\"} per line"),
        Option.value("output-dir", "DIR", "write each record's bytes to DIR/record-000001.bin, ... instead"),
        Option.flag("force", "with --output-dir: replace the record-*.bin files already there"));
  }

  @Override
  String details() {
    return """
        Input: JSON lines, one user record each:
          {"partitionKey":"customer-1","data":"any text"}
          {"partitionKey":"ключ","explicitHashKey":"12345","dataBase64":"AAECAw=="}
        data may also be any JSON value (its compact JSON text is the data); other fields are ignored, so the output
        of kplc deaggregate reads back. The AWS CLI's PutRecords entries are read too:
          {"PartitionKey":"customer-1","ExplicitHashKey":"12345","Data":"AAECAw=="}   (Data in base64)
        explicitHashKey is a decimal in 0..2^128-1, in any form the KPL accepts ("+42", "00042", " 42"): it is
        written canonically ("42"), as the KPL writes it; anything else is an error naming its line.

        Every record is filled up to --max-record-size (data plus partition key, counted as the service counts
        them) and never over it; a user record that can never fit is an error naming its line. With --shards or
        --shard-map, user records are packed only with others of the same shard, so consumers that check hash
        ranges (KCL) drop nothing.

        Examples:
          kplc aggregate records.jsonl > aggregates.b64
          kplc aggregate --shards 4 --max-record-size 64KiB --output json records.jsonl
          kplc aggregate --output-dir out/ records.jsonl && kplc inspect out/
        """;
  }

  @Override
  int run(Arguments arguments, Streams streams) throws IOException {
    Aggregator.Builder builder = Aggregator.builder()
        .maxRecordSize(arguments.bytes("max-record-size", DEFAULT_MAX_RECORD_SIZE, 1, LARGEST_MAX_RECORD_SIZE))
        .aggregateLoneRecords(!arguments.flag("raw-lone-records"));
    if (arguments.has("max-user-records")) {
      builder.maxUserRecordsPerAggregate(arguments.integer("max-user-records", 0, 1, Integer.MAX_VALUE));
    }
    if (arguments.has("shards") && arguments.has("shard-map")) {
      throw arguments.usageError("give --shards or --shard-map, not both");
    }
    ShardMap shardMap = arguments.has("shards")
        ? ShardMapReader.evenShards(arguments.integer("shards", 1, 1, 100_000))
        : arguments.has("shard-map") ? ShardMapReader.read(Paths.get(arguments.required("shard-map"))) : null;
    if (shardMap != null) {
      builder.shardMap(shardMap);
    }
    if (arguments.has("partition-key")) {
      try {
        builder.fixedPartitionKey(arguments.required("partition-key"));
      } catch (IllegalArgumentException e) {
        throw arguments.usageError("--partition-key: " + e.getMessage());
      }
    }
    if (arguments.has("output") && arguments.has("output-dir")) {
      throw arguments.usageError("give --output or --output-dir, not both");
    }
    boolean json = arguments.choice("output", "base64", "base64", "json").equals("json");
    if (arguments.flag("force") && !arguments.has("output-dir")) {
      throw arguments.usageError("--force is for --output-dir");
    }
    Path directory = arguments.has("output-dir")
        ? prepareDirectory(arguments.required("output-dir"), arguments.flag("force")) : null;
    Aggregator aggregator = builder.build();

    RecordWriter writer = new RecordWriter(streams, json, directory);
    long[] userRecords = {0, 0}; // count, bytes (data + partition key, as each would be sent alone)
    Progress progress = streams.progressOf("user record");
    for (String source : arguments.positionals().isEmpty() ? List.of("-") : arguments.positionals()) {
      try (BufferedReader reader = open(source, streams)) {
        UserRecordJson.readLines(reader, source.equals("-") ? "stdin" : source, line -> {
          KinesisRecord completed = line.addTo(aggregator);
          userRecords[0]++;
          progress.add(line.data().length);
          userRecords[1] += line.data().length + line.partitionKey().getBytes(StandardCharsets.UTF_8).length;
          if (completed != null) {
            writer.write(completed);
          }
        });
      }
    }
    progress.done();
    for (KinesisRecord record : aggregator.flush()) {
      writer.write(record);
    }
    streams.out.flush();
    if (streams.verbose || directory != null) {
      streams.progress("aggregated " + InspectCommand.plural(userRecords[0], "user record") + " ("
          + Text.size(userRecords[1]) + ") into " + InspectCommand.plural(writer.records, "Kinesis record") + " ("
          + writer.aggregates + " aggregated, " + Text.size(writer.bytes) + ")"
          + (shardMap == null ? "" : " over " + InspectCommand.plural(shardMap.size(), "shard"))
          + (directory == null ? "" : " in " + directory));
    }
    return 0;
  }

  /** A file or stdin as UTF-8 lines. */
  static BufferedReader open(String source, Streams streams) {
    if (source.equals("-")) {
      if (streams.in == System.in && System.console() != null) {
        throw CliException.usage("no input: name a file, or pipe JSON lines into stdin");
      }
      return new BufferedReader(new InputStreamReader(streams.in, StandardCharsets.UTF_8));
    }
    try {
      return Files.newBufferedReader(Paths.get(source), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw CliException.failed("cannot read " + source + ": no such file");
    } catch (IOException e) {
      throw CliException.failed("cannot read " + source + ": " + e.getMessage(), e);
    }
  }

  private static Path prepareDirectory(String name, boolean force) throws IOException {
    Path directory = Paths.get(name);
    Files.createDirectories(directory);
    List<Path> old;
    try (Stream<Path> files = Files.list(directory)) {
      old = files.filter(f -> f.getFileName().toString().matches("record-\\d+\\.bin")).toList();
    }
    if (!old.isEmpty() && !force) {
      throw CliException.failed(directory + " already holds record-*.bin files: choose an empty directory, or "
          + "--force replaces them");
    }
    for (Path file : old) {
      Files.delete(file); // --force: none of an earlier run's records may stay among the new ones
    }
    return directory;
  }

  /** Writes completed records as base64 lines, JSON lines or files, and counts them. */
  private static final class RecordWriter {
    private final Streams streams;
    private final boolean json;
    private final Path directory;
    long records;
    long aggregates;
    long bytes;

    RecordWriter(Streams streams, boolean json, Path directory) {
      this.streams = streams;
      this.json = json;
      this.directory = directory;
    }

    void write(KinesisRecord record) {
      records++;
      aggregates += record.isAggregated() ? 1 : 0;
      bytes += record.sizeInBytes();
      if (directory != null) {
        Path file = directory.resolve(String.format(Locale.ROOT, "record-%06d.bin", records));
        try {
          Files.write(file, record.dataBytes());
        } catch (IOException e) {
          throw new UncheckedIOException("cannot write " + file, e);
        }
      } else if (json) {
        ObjectNode entry = Json.object();
        entry.put("PartitionKey", record.partitionKey());
        if (record.explicitHashKey() != null) {
          entry.put("ExplicitHashKey", record.explicitHashKey());
        }
        entry.put("Data", Text.base64(record.data()));
        streams.out.println(Json.write(entry));
      } else {
        streams.out.println(Text.base64(record.data()));
      }
      record.release();
    }
  }
}
