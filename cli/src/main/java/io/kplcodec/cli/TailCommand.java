package io.kplcodec.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kplcodec.CorruptAggregateException;
import io.kplcodec.Deaggregator;
import io.kplcodec.UserRecord;
import io.kplcodec.aws.DeaggregatedRecord;
import io.kplcodec.aws.SdkDeaggregator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.ExpiredIteratorException;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.KmsThrottlingException;
import software.amazon.awssdk.services.kinesis.model.LimitExceededException;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.kinesis.model.ResourceInUseException;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * {@code kplc tail}: follows every shard of a stream with GetRecords and prints the deaggregated user records;
 * children of a split or merge are read once their parents are done, so records of a partition key print in order.
 */
final class TailCommand extends Command {
  private static final int TABLE_DATA_CHARS = 100;
  /** The partition key column of the table, in display columns (longer keys push the rest of their line). */
  private static final int KEY_COLUMN = 16;
  /** The service allows 5 GetRecords calls per second per shard. */
  private static final long MIN_CALL_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
  private static final long SHARD_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(10);

  @Override
  String name() {
    return "tail";
  }

  @Override
  String summary() {
    return "Follow a stream and print its user records, deaggregated, as a table or JSON lines.";
  }

  @Override
  String usage() {
    return "kplc tail --stream NAME [options]";
  }

  @Override
  List<Option> options() {
    return List.of(
        Option.value("stream", "NAME", "the stream to read (required)"),
        KinesisEndpoint.ENDPOINT, KinesisEndpoint.REGION, KinesisEndpoint.PROFILE, KinesisEndpoint.DATA_DIR,
        Option.value("from", "POSITION", "where to start: trim-horizon (the oldest record, default), latest (only "
            + "new ones), a time (2026-01-01T12:00:00Z, or epoch seconds), at:SEQUENCE or after:SEQUENCE (with "
            + "--shard)"),
        Option.value("shard", "SHARD", "read only this shard (shardId-000000000001, or 1)"),
        Option.flag("no-follow", "stop once every shard is read to its end instead of waiting for more"),
        Option.value("max-records", "N", "stop after N user records (--max N also)"),
        Option.value("max", "N", "the same as --max-records"),
        Option.value("poll", "MILLIS", "wait between reads of a shard that had nothing new (default 1000)"),
        Option.value("output", "table|json", "one line per user record: readable (default) or JSON"),
        Option.flag("full", "show whole data in the table instead of cutting it"),
        DeaggregateCommand.JSON_DATA);
  }

  @Override
  String details() {
    return """
        Each line is one user record: shard, sequence number/sub-sequence number, partition key, explicit hash key
        (if any) and data (text when printable, else base64). JSON lines carry shardId, sequenceNumber,
        subSequenceNumber, arrival, partitionKey, explicitHashKey, aggregated and data or dataBase64.

        Every shard's user records are checked against its hash key range, as KCL does: records a reshard left on
        the wrong shard are dropped (their producer sends them again to the right one) and counted on stderr. A
        corrupt aggregate is printed whole as one record, with a note on stderr. Stop with Ctrl-C, or use
        --no-follow or --max-records. When following, a stream that does not exist yet is waited for.

        Without --endpoint this reads kplc's local kinesalite (see kplc local).

        Examples:
          kplc tail --stream orders
          kplc tail --stream orders --endpoint aws --region eu-west-1 --from latest --output json
          kplc tail --stream orders --from 2026-01-01T12:00:00Z --max 100 --no-follow
          kplc tail --stream orders --shard 1 --from after:49590338271490256608559692538361571095921575989136588898
        """;
  }

  /** Where reading one shard stands. */
  private static final class ShardCursor {
    /** The latest listing of the shard: it gains an ending sequence number when a reshard closes it. */
    Shard shard;
    final SdkDeaggregator deaggregator;
    String iterator;
    boolean started;
    boolean finished;
    boolean caughtUp;
    String lastSequenceNumber;
    long nextCallNanos;

    ShardCursor(Shard shard, SdkDeaggregator deaggregator) {
      this.shard = shard;
      this.deaggregator = deaggregator;
    }

    boolean closed() {
      return shard.sequenceNumberRange() != null && shard.sequenceNumberRange().endingSequenceNumber() != null;
    }
  }

  @Override
  int run(Arguments arguments, Streams streams) throws Exception {
    String stream = arguments.required("stream");
    String onlyShard = arguments.has("shard") ? shardId(arguments.required("shard"), arguments) : null;
    StartPosition start = StartPosition.parse(arguments.string("from", "trim-horizon"), onlyShard != null, arguments);
    boolean latest = start.type() == ShardIteratorType.LATEST;
    boolean follow = !arguments.flag("no-follow");
    if (arguments.has("max") && arguments.has("max-records")) {
      throw arguments.usageError("give --max or --max-records, not both");
    }
    String maxOption = arguments.has("max") ? "max" : "max-records";
    long maxRecords = arguments.has(maxOption) ? arguments.integer(maxOption, 0, 1, Integer.MAX_VALUE)
        : Long.MAX_VALUE;
    long pollNanos = TimeUnit.MILLISECONDS.toNanos(arguments.integer("poll", 1000, 10, 60_000));
    boolean json = arguments.choice("output", "table", "table", "json").equals("json");
    boolean jsonData = arguments.flag(DeaggregateCommand.JSON_DATA.name());
    int dataChars = arguments.flag("full") ? 0 : TABLE_DATA_CHARS;

    AtomicLong dropped = new AtomicLong();
    Deaggregator deaggregator = Deaggregator.builder()
        .hashRangePolicy(Deaggregator.HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS)
        .passCorruptAggregatesThrough(true)
        .listener(new Deaggregator.Listener() {
          @Override
          public void dropped(UserRecord record, Deaggregator.DropReason reason) {
            dropped.incrementAndGet();
          }

          @Override
          public void corruptPassedThrough(CorruptAggregateException e) {
            streams.progress("a corrupt aggregate (" + e.getMessage() + ") is printed whole");
          }
        })
        .build();

    try (KinesisEndpoint endpoint = KinesisEndpoint.open(arguments, streams)) {
      try {
        KinesisAsyncClient client = endpoint.client();
        Map<String, ShardCursor> cursors = new LinkedHashMap<>();
        long printed = 0;
        long nextRefresh = 0;
        if (!json) {
          streams.out.println(String.format("%-20s  %-58s  %s  %s", "SHARD", "SEQUENCE NUMBER/SUB",
              pad("PARTITION KEY", KEY_COLUMN), "DATA"));
        }
        boolean firstListing = true;
        boolean waiting = false;
        while (printed < maxRecords) {
          long now = System.nanoTime();
          if (now >= nextRefresh) {
            List<Shard> listed = listShards(client, stream, endpoint, follow && cursors.isEmpty());
            if (listed == null) {
              if (!waiting) {
                streams.progress("stream " + stream + " does not exist at " + endpoint.description()
                    + " yet; waiting for it (Ctrl-C stops)");
                waiting = true;
              }
              nextRefresh = now;
              Thread.sleep(TimeUnit.NANOSECONDS.toMillis(pollNanos));
              continue;
            }
            if (onlyShard != null) {
              listed = listed.stream().filter(s -> s.shardId().equals(onlyShard)).toList();
              if (listed.isEmpty()) {
                throw CliException.failed("stream " + stream + " has no shard " + onlyShard + " at "
                    + endpoint.description());
              }
            }
            for (Shard shard : listed) {
              ShardCursor known = cursors.get(shard.shardId());
              if (known != null) {
                known.shard = shard;
              } else {
                ShardCursor cursor = new ShardCursor(shard, SdkDeaggregator.of(deaggregator).forShard(shard));
                // With --from latest, closed shards hold nothing new; shards that appear later are read whole.
                cursor.finished = firstListing && latest && cursor.closed();
                cursor.caughtUp = cursor.finished;
                cursors.put(shard.shardId(), cursor);
              }
            }
            nextRefresh = now + SHARD_REFRESH_NANOS;
            for (ShardCursor cursor : cursors.values()) {
              if (!cursor.started && !cursor.finished && parentsDone(cursor.shard, cursors)) {
                // The position applies to the shards of the first listing; a time also to the children that start
                // later (records before it are skipped everywhere); other new shards are read whole.
                StartPosition position = firstListing || start.type() == ShardIteratorType.AT_TIMESTAMP ? start
                    : StartPosition.TRIM_HORIZON;
                cursor.iterator = position.iterator(client, stream, cursor.shard.shardId());
                cursor.started = true;
              }
            }
            firstListing = false;
          }
          boolean anyRecords = false;
          for (ShardCursor cursor : cursors.values()) {
            if (!cursor.started || cursor.finished || printed >= maxRecords
                || System.nanoTime() < cursor.nextCallNanos) {
              continue;
            }
            cursor.nextCallNanos = System.nanoTime() + MIN_CALL_INTERVAL_NANOS;
            GetRecordsResponse response = getRecords(client, stream, cursor, streams);
            if (response == null) {
              continue; // throttled or expired: try again next round
            }
            long droppedBefore = dropped.get();
            List<DeaggregatedRecord> records = cursor.deaggregator.deaggregate(response.records());
            if (dropped.get() > droppedBefore) {
              streams.progress(cursor.shard.shardId() + ": dropped " + InspectCommand.plural(dropped.get()
                  - droppedBefore, "user record") + " outside its hash key range (copies a reshard left behind; "
                  + "their producer sends them again)");
            }
            for (DeaggregatedRecord record : records) {
              if (printed >= maxRecords) {
                break;
              }
              streams.out.println(json ? Json.write(toJson(cursor.shard.shardId(), record, jsonData))
                  : line(cursor.shard.shardId(), record, dataChars));
              printed++;
            }
            if (!response.records().isEmpty()) {
              cursor.lastSequenceNumber = response.records().get(response.records().size() - 1).sequenceNumber();
              anyRecords = true;
            }
            cursor.iterator = response.nextShardIterator();
            Long behind = response.millisBehindLatest();
            cursor.caughtUp = response.records().isEmpty() && (behind == null || behind == 0);
            if (cursor.iterator == null || cursor.caughtUp && cursor.closed()) {
              cursor.finished = true; // a closed shard read to its end: its children may start now
              nextRefresh = 0;
            }
          }
          streams.out.flush();
          if (nextRefresh == 0 || anyRecords) {
            continue; // children to start, or more may be waiting right behind
          }
          if (!follow && allCaughtUp(cursors)) {
            break;
          }
          Thread.sleep(TimeUnit.NANOSECONDS.toMillis(sleepNanos(cursors, pollNanos)));
        }
      } catch (CliException | StandardOutput.Closed e) {
        throw e;
      } catch (Exception e) {
        throw endpoint.explain(e); // no credentials, nothing listening: one line saying what to do
      }
    }
    return 0;
  }

  /** Until the next call a shard that is behind may make, or a poll interval when every shard is caught up. */
  private static long sleepNanos(Map<String, ShardCursor> cursors, long pollNanos) {
    long now = System.nanoTime();
    long sleep = pollNanos;
    for (ShardCursor cursor : cursors.values()) {
      if (cursor.started && !cursor.finished && !cursor.caughtUp) {
        sleep = Math.min(sleep, Math.max(0, cursor.nextCallNanos - now));
      }
    }
    return sleep;
  }

  private static boolean allCaughtUp(Map<String, ShardCursor> cursors) {
    for (ShardCursor cursor : cursors.values()) {
      if (!cursor.finished && !(cursor.started && cursor.caughtUp)) {
        return false;
      }
    }
    return true;
  }

  /** Whether the shard's parents (if this reader knows them) are read to their end. */
  private static boolean parentsDone(Shard shard, Map<String, ShardCursor> cursors) {
    for (String parent : new String[] {shard.parentShardId(), shard.adjacentParentShardId()}) {
      ShardCursor cursor = parent == null ? null : cursors.get(parent);
      if (cursor != null && !cursor.finished) {
        return false;
      }
    }
    return true;
  }

  /** Every shard of the stream; null if it does not exist and {@code mayWait}, else an error. */
  private static List<Shard> listShards(KinesisAsyncClient client, String stream, KinesisEndpoint endpoint,
      boolean mayWait) throws Exception {
    List<Shard> shards = new ArrayList<>();
    String next = null;
    do {
      String token = next;
      ListShardsResponse response;
      try {
        response = client.listShards(b -> {
          if (token == null) {
            b.streamName(stream);
          } else {
            b.nextToken(token);
          }
        }).get(30, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (mayWait && (e.getCause() instanceof ResourceNotFoundException
            || e.getCause() instanceof ResourceInUseException)) {
          return null; // not created yet, or still being created
        }
        if (e.getCause() instanceof ResourceNotFoundException) {
          throw CliException.failed("stream " + stream + " not found at " + endpoint.description());
        }
        throw e;
      }
      shards.addAll(response.shards());
      next = response.nextToken();
    } while (next != null);
    return shards;
  }

  /** {@code shardId-000000000001} as it is; {@code 1} as that. */
  static String shardId(String value, Arguments arguments) {
    if (value.matches("\\d{1,12}")) {
      return String.format(java.util.Locale.ROOT, "shardId-%012d", Long.parseLong(value));
    }
    if (!value.matches("shardId-\\d{12}")) {
      throw arguments.usageError("--shard needs a shard id (shardId-000000000001) or its number (1), not '" + value
          + "'");
    }
    return value;
  }

  /** Where reading a shard starts ({@code --from}). */
  record StartPosition(ShardIteratorType type, java.time.Instant timestamp, String sequenceNumber) {
    static final StartPosition TRIM_HORIZON = new StartPosition(ShardIteratorType.TRIM_HORIZON, null, null);

    static StartPosition parse(String value, boolean oneShard, Arguments arguments) {
      String lower = value.strip().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
      if (lower.equals("trim-horizon")) {
        return TRIM_HORIZON;
      }
      if (lower.equals("latest")) {
        return new StartPosition(ShardIteratorType.LATEST, null, null);
      }
      if (lower.startsWith("at:") || lower.startsWith("after:")) {
        String sequence = value.substring(value.indexOf(':') + 1).strip();
        if (!sequence.matches("\\d{1,128}")) {
          throw arguments.usageError("--from " + value + ": a sequence number is decimal digits");
        }
        if (!oneShard) {
          throw arguments.usageError("--from " + value + ": a sequence number belongs to one shard; give --shard");
        }
        return new StartPosition(lower.startsWith("at:") ? ShardIteratorType.AT_SEQUENCE_NUMBER
            : ShardIteratorType.AFTER_SEQUENCE_NUMBER, null, sequence);
      }
      try {
        java.time.Instant time = value.strip().matches("\\d+(\\.\\d+)?")
            ? java.time.Instant.ofEpochMilli(Math.round(Double.parseDouble(value.strip()) * 1000))
            : java.time.OffsetDateTime.parse(value.strip()).toInstant();
        return new StartPosition(ShardIteratorType.AT_TIMESTAMP, time, null);
      } catch (java.time.format.DateTimeParseException | NumberFormatException e) {
        throw arguments.usageError("--from must be trim-horizon, latest, a time (2026-01-01T12:00:00Z or epoch "
            + "seconds), at:SEQUENCE or after:SEQUENCE, not '" + value + "'");
      }
    }

    String iterator(KinesisAsyncClient client, String stream, String shardId) throws Exception {
      return client.getShardIterator(b -> b.streamName(stream).shardId(shardId).shardIteratorType(type)
          .timestamp(timestamp).startingSequenceNumber(sequenceNumber)).get(30, TimeUnit.SECONDS).shardIterator();
    }
  }

  private static String iterator(KinesisAsyncClient client, String stream, String shardId, ShardIteratorType type,
      String afterSequenceNumber) throws Exception {
    return client.getShardIterator(b -> {
      b.streamName(stream).shardId(shardId);
      if (afterSequenceNumber != null) {
        b.shardIteratorType(ShardIteratorType.AFTER_SEQUENCE_NUMBER).startingSequenceNumber(afterSequenceNumber);
      } else {
        b.shardIteratorType(type);
      }
    }).get(30, TimeUnit.SECONDS).shardIterator();
  }

  /** One GetRecords call; null when throttled or the iterator expired (renewed for the next round). */
  private static GetRecordsResponse getRecords(KinesisAsyncClient client, String stream, ShardCursor cursor,
      Streams streams) throws Exception {
    try {
      String current = cursor.iterator;
      return client.getRecords(b -> b.shardIterator(current).limit(10_000)).get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof ExpiredIteratorException) {
        cursor.iterator = iterator(client, stream, cursor.shard.shardId(), ShardIteratorType.TRIM_HORIZON,
            cursor.lastSequenceNumber);
        return null;
      }
      if (cause instanceof ProvisionedThroughputExceededException || cause instanceof LimitExceededException
          || cause instanceof KmsThrottlingException) {
        if (streams.verbose) {
          streams.progress(cursor.shard.shardId() + " throttled, waiting a second");
        }
        cursor.nextCallNanos = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        return null;
      }
      throw e;
    }
  }

  private static String line(String shardId, DeaggregatedRecord record, int dataChars) {
    // Lines print as records arrive, so columns have fixed widths: shard ids and sequence numbers have one length.
    String position = record.sequenceNumber() + "/" + record.subSequenceNumber();
    StringBuilder line = new StringBuilder(shardId).append("  ").append(pad(position, 58)).append("  ")
        .append(pad(Text.key(record.partitionKey(), 0), KEY_COLUMN));
    if (record.explicitHashKey() != null) {
      line.append("  ehk=").append(record.explicitHashKey());
    }
    return line.append("  ").append(Text.cell(record.data(), dataChars)).toString();
  }

  /** {@code text} padded with spaces to {@code width} display columns. */
  private static String pad(String text, int width) {
    return text + " ".repeat(Math.max(0, width - Text.displayWidth(text)));
  }

  private static ObjectNode toJson(String shardId, DeaggregatedRecord record, boolean jsonData) {
    return UserRecordJson.toJson(shardId, record.sequenceNumber(), record.subSequenceNumber(),
        record.approximateArrivalTimestamp() == null ? null : record.approximateArrivalTimestamp().toString(),
        record.encryptionType(), record.partitionKey(), record.explicitHashKey(), record.isAggregated(),
        record.data(), jsonData);
  }

}
