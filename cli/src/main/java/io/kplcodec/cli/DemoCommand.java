package io.kplcodec.cli;

import io.kplcodec.Aggregator;
import io.kplcodec.BufferPool;
import io.kplcodec.Deaggregator;
import io.kplcodec.HashKeyRange;
import io.kplcodec.KinesisRecord;
import io.kplcodec.PutRecordsBatcher;
import io.kplcodec.ShardMap;
import io.kplcodec.UserRecord;
import io.kplcodec.aws.DeaggregatedRecord;
import io.kplcodec.aws.KinesisProducer;
import io.kplcodec.aws.ProducerCounters;
import io.kplcodec.aws.SdkDeaggregator;
import io.kplcodec.local.LocalKinesis;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * {@code kplc demo}: user records through a real Kinesis API (a local kinesalite) with aggregation, a shard split
 * in the middle, every shard read back and deaggregated, every user record accounted for; or, without Node.js, the
 * same records aggregated and deaggregated in memory.
 */
final class DemoCommand extends Command {
  private static final String STREAM = "kplc-demo";
  private static final int MAX_RECORD_SIZE = 1024 * 1024;
  private static final long SEED = 7;

  @Override
  String name() {
    return "demo";
  }

  @Override
  String summary() {
    return "Put 100,000 user records into a local Kinesis with aggregation, split a shard, read all back, count.";
  }

  @Override
  String usage() {
    return "kplc demo [options]";
  }

  @Override
  List<Option> options() {
    return List.of(
        Option.value("records", "N", "user records to produce (default 100,000, at most 1,000,000)"),
        Option.value("shards", "N", "shards of the stream before the split (default 4)"),
        Option.flag("in-memory", "skip kinesalite: aggregate and deaggregate in memory (what happens without "
            + "Node.js)"));
  }

  @Override
  String details() {
    return """
        Needs nothing running. It starts kinesalite (a Kinesis API implementation from npm) on 127.0.0.1,
        installing it on first use, creates a stream, and puts user records through kpl-codec's producer
        (io.kplcodec.aws.KinesisProducer): mixed sizes up to 10 KB, partition keys with 2-, 3- and 4-byte UTF-8
        characters, 5% with explicit hash keys. Halfway it splits the first shard. Then it reads every shard
        (parents and children) with GetRecords, deaggregates with each shard's hash range as KCL does, and checks
        that every user record came back exactly once with its partition key and data.

        The summary compares Kinesis records and PutRecords calls with what the same user records need without
        aggregation (one Kinesis record each, 500 per call), and says lost, dropped and duplicates (all 0, or the
        exit code is 1). Progress goes to stderr, the summary to stdout.

        Without Node.js and npm (or if kinesalite cannot be installed or started, or with --in-memory) it says so
        and runs the codec part alone: the same records aggregated per shard (the split applied to the shard map
        halfway) and deaggregated in memory.
        """;
  }

  @Override
  int run(Arguments arguments, Streams streams) throws Exception {
    arguments.atMostPositionals(0, "");
    int count = arguments.integer("records", 100_000, 1, 1_000_000);
    int shards = arguments.integer("shards", 4, 1, 50);
    String unavailable = LocalKinesis.unavailableReason().orElse(null);
    Summary summary;
    if (arguments.flag("in-memory")) {
      summary = inMemory(count, shards, "in memory (--in-memory)", streams);
    } else if (unavailable != null) {
      streams.progress("no local Kinesis: " + unavailable + ".");
      streams.progress("running the codec part in memory instead (aggregate and deaggregate, no network)");
      summary = inMemory(count, shards, "in memory (no Node.js: " + unavailable + ")", streams);
    } else {
      summary = kinesalite(count, shards, streams);
    }
    summary.print(streams);
    if (summary.lost != 0 || summary.dropped != 0 || summary.duplicates != 0 || summary.firstError != null) {
      throw CliException.failed("the demo did not get every user record back exactly once"
          + (summary.firstError == null ? "" : ": " + summary.firstError));
    }
    return 0;
  }

  /** What the summary says. */
  private static final class Summary {
    String where;
    String split;
    long userRecords;
    long userBytes;
    long kinesisRecords;
    long calls;
    long callsWithoutAggregation;
    long bytesPut;
    double produceSeconds;
    String produceWhat;
    double consumeSeconds;
    String consumeWhat;
    long lost;
    long dropped;
    long duplicates;
    String reshardNote;
    String firstError;

    void print(Streams streams) {
      streams.out.println();
      streams.out.println("kplc demo: " + Text.number(userRecords) + " user records " + where);
      streams.out.println(Text.wrap(split, 116, "  "));
      streams.out.println();
      new Table()
          .row("", "with aggregation", "without")
          .row("user records", Text.number(userRecords), Text.number(userRecords))
          .row("Kinesis records", Text.number(kinesisRecords), Text.number(userRecords))
          .row("PutRecords calls", Text.number(calls), Text.number(callsWithoutAggregation))
          .row("bytes put (data + keys)", Text.number(bytesPut), Text.number(userBytes))
          .print(streams.out, "  ");
      streams.out.println();
      new Table()
          .row("produce", seconds(produceSeconds), rate(userRecords, produceSeconds) + " user records/s",
              megabytesPerSecond(userBytes, produceSeconds), produceWhat)
          .row("consume", seconds(consumeSeconds), rate(userRecords, consumeSeconds) + " user records/s",
              megabytesPerSecond(userBytes, consumeSeconds), consumeWhat)
          .print(streams.out, "  ");
      streams.out.println();
      streams.out.println("  lost " + lost + ", dropped " + dropped + ", duplicates " + duplicates
          + (lost == 0 && dropped == 0 && duplicates == 0 && firstError == null
          ? ": every user record read back exactly once, with its partition key and data" : ": FAILED"));
      if (reshardNote != null) {
        streams.out.println(Text.wrap(reshardNote, 116, "  "));
      }
      streams.out.flush();
    }

    private static String seconds(double seconds) {
      return String.format(Locale.ROOT, "%.2f s", seconds);
    }

    private static String rate(long count, double seconds) {
      return Text.number(Math.round(count / Math.max(seconds, 1e-9)));
    }

    private static String megabytesPerSecond(long bytes, double seconds) {
      return String.format(Locale.ROOT, "%.1f MB/s", bytes / 1e6 / Math.max(seconds, 1e-9));
    }
  }

  // ---- against kinesalite --------------------------------------------------------------------------------------

  private Summary kinesalite(int count, int shardCount, Streams streams) throws Exception {
    long installStart = System.nanoTime();
    LocalKinesis started;
    try {
      started = KinesisEndpoint.startLocal(null, streams);
    } catch (CliException e) { // Node.js is there, but the npm install or kinesalite failed
      String reason = e.getMessage().lines().findFirst().orElse("");
      streams.progress(reason);
      streams.progress("running the codec part in memory instead (aggregate and deaggregate, no network)");
      return inMemory(count, shardCount, "in memory (" + reason + ")", streams);
    }
    try (LocalKinesis kinesalite = started;
         KinesisAsyncClient client = KinesisEndpoint.client(kinesalite.endpoint(), null, null, true)) {
      Thread stopOnCtrlC = new Thread(kinesalite::close, "kplc-stop-kinesalite");
      Runtime.getRuntime().addShutdownHook(stopOnCtrlC);
      try {
        streams.progress(String.format(Locale.ROOT, "kinesalite on %s (ready in %.1f s); creating "
            + "stream %s with %d shards", kinesalite.endpoint(), (System.nanoTime() - installStart) / 1e9, STREAM,
            shardCount));
        return produceAndConsume(client, kinesalite, count, shardCount, streams);
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(stopOnCtrlC);
        } catch (IllegalStateException e) {
          // already shutting down: the hook stops kinesalite
        }
      }
    }
  }

  private Summary produceAndConsume(KinesisAsyncClient client, LocalKinesis kinesalite, int count, int shardCount,
      Streams streams) throws Exception {
    List<Shard> initial = LocalKinesis.createStream(client, STREAM, shardCount);
    Shard toSplit = initial.get(0);
    String splitAt = midpoint(toSplit.hashKeyRange().startingHashKey(), toSplit.hashKeyRange().endingHashKey());
    int splitIndex = count / 2;

    DemoWorkload workload = new DemoWorkload(count, SEED);
    AtomicReference<Throwable> firstFailure = new AtomicReference<>();
    CompletableFuture<?> split = null;
    ProducerCounters counters;
    streams.progress("producing " + Text.number(count) + " user records through KinesisProducer "
        + "(aggregates up to 1 MiB, PutRecords calls up to 4 MiB)");
    long produceStart = System.nanoTime();
    try (KinesisProducer producer = KinesisProducer.builder(client, STREAM)
        .maxRecordSize(MAX_RECORD_SIZE)
        .maxRequestSize(PutCommand.EMULATOR_MAX_REQUEST_SIZE)
        .build()) {
      int step = Math.max(1, count / 4);
      for (int id = 0; id < count; id++) {
        if (id == splitIndex) {
          streams.progress("splitting " + toSplit.shardId() + " at hash key " + splitAt
              + " while producing");
          split = client.splitShard(b -> b.streamName(STREAM).shardToSplit(toSplit.shardId())
              .newStartingHashKey(splitAt));
        }
        byte[] data = workload.data(id);
        producer.add(workload.partitionKey(id), workload.explicitHashKey(id), data).whenComplete((result, e) -> {
          if (e != null) {
            firstFailure.compareAndSet(null, e);
          }
        });
        if ((id + 1) % step == 0 && id + 1 < count) {
          streams.progress(String.format(Locale.ROOT, "  %s of %s added (%.1f s)", Text.number(id + 1),
              Text.number(count), (System.nanoTime() - produceStart) / 1e9));
        }
      }
      producer.flush();
      counters = producer.counters();
    }
    double produceSeconds = (System.nanoTime() - produceStart) / 1e9;
    if (split != null) {
      split.get(30, TimeUnit.SECONDS);
    }
    streams.progress(String.format(Locale.ROOT, "%s user records put as %s Kinesis records in %s "
            + "PutRecords calls (%.1f s); reading every shard back", Text.number(counters.userRecordsPut()),
        Text.number(counters.kinesisRecordsSent()), Text.number(counters.putRecordsRequests()), produceSeconds));

    long consumeStart = System.nanoTime();
    LocalKinesis.awaitActive(client, STREAM);
    List<Shard> shards = new ArrayList<>(LocalKinesis.listShards(client, STREAM));
    shards.sort(Comparator.comparing(Shard::shardId)); // parents before children, as a KCL worker reads them
    AtomicLong discarded = new AtomicLong();
    Deaggregator deaggregator = kclLikeDeaggregator(discarded);
    long kinesisRecordsRead = 0;
    long bytesStored = 0;
    String firstError = null;
    for (Shard shard : shards) {
      List<Record> records = LocalKinesis.readShard(client, STREAM, shard.shardId());
      kinesisRecordsRead += records.size();
      long users = 0;
      for (Record record : records) {
        bytesStored += record.data().asByteBuffer().remaining()
            + record.partitionKey().getBytes(StandardCharsets.UTF_8).length;
      }
      for (DeaggregatedRecord user : SdkDeaggregator.of(deaggregator).forShard(shard).deaggregate(records)) {
        String error = workload.check(user.partitionKey(), user.data());
        if (error != null && firstError == null) {
          firstError = error;
        }
        users++;
      }
      streams.progress("  " + shard.shardId() + (shard.parentShardId() == null ? ""
          : " (child of " + shard.parentShardId() + ")") + ": " + Text.number(records.size())
          + " Kinesis records, " + Text.number(users) + " user records");
    }
    double consumeSeconds = (System.nanoTime() - consumeStart) / 1e9;

    Summary summary = new Summary();
    summary.where = "through kinesalite on " + kinesalite.endpoint() + ", stream " + STREAM + " with "
        + shardCount + " shards";
    summary.split = toSplit.shardId() + " split in two at user record " + Text.number(splitIndex)
        + " while producing: " + shards.size() + " shards read (parents and children)";
    summary.userRecords = count;
    summary.userBytes = workload.userBytes();
    summary.kinesisRecords = counters.kinesisRecordsSent();
    summary.calls = counters.putRecordsRequests();
    summary.callsWithoutAggregation = workload.callsWithoutAggregation(PutCommand.EMULATOR_MAX_REQUEST_SIZE);
    summary.bytesPut = bytesStored;
    summary.produceSeconds = produceSeconds;
    summary.produceWhat = "KinesisProducer: aggregate per shard, PutRecords, follow the split";
    summary.consumeSeconds = consumeSeconds;
    summary.consumeWhat = "GetRecords on every shard, deaggregate, check each user record";
    summary.lost = workload.lost();
    // Dropped: given up by the producer, or discarded by the consumer with no copy sent again.
    summary.dropped = counters.userRecordsFailed() + Math.max(0, discarded.get() - counters.userRecordsResent());
    summary.duplicates = workload.duplicates();
    summary.firstError = firstError != null ? firstError
        : counters.userRecordsFailed() == 0 ? null
        : "the producer failed a user record: " + PutCommand.unwrap(PutCommand.awaitFirst(firstFailure));
    if (counters.misroutedRecords() > 0 || discarded.get() > 0) {
      summary.reshardNote = "the split: " + InspectCommand.plural(counters.misroutedRecords(), "Kinesis record")
          + " landed on a child shard owning only part of their user records; the producer sent "
          + Text.number(counters.userRecordsResent()) + " user records again (counted in the bytes put), and the "
          + "consumer's hash-range check (as KCL's) discarded " + Text.number(discarded.get()) + " stale copies";
    } else {
      summary.reshardNote = "the split: no aggregate was in flight across it, so nothing had to be sent again";
    }
    if (kinesisRecordsRead != counters.kinesisRecordsSent() && streams.verbose) {
      streams.progress("read " + kinesisRecordsRead + " Kinesis records, the producer sent "
          + counters.kinesisRecordsSent());
    }
    return summary;
  }

  // ---- in memory ---------------------------------------------------------------------------------------------

  private Summary inMemory(int count, int shardCount, String where, Streams streams) {
    ShardMap before = ShardMapReader.evenShards(shardCount);
    String parent = before.shardIds().get(0);
    HashKeyRange parentRange = before.range(parent);
    String splitAt = midpoint(parentRange.startingHashKey(), parentRange.endingHashKey());
    String leftChild = ShardMapReader.shardId(shardCount);
    String rightChild = ShardMapReader.shardId(shardCount + 1);
    ShardMap.Builder afterBuilder = ShardMap.builder()
        .add(leftChild, parentRange.startingHashKey(), new BigInteger(splitAt).subtract(BigInteger.ONE).toString())
        .add(rightChild, splitAt, parentRange.endingHashKey());
    for (String id : before.shardIds().subList(1, before.size())) {
      afterBuilder.add(id, before.range(id));
    }
    ShardMap after = afterBuilder.build();
    Map<String, HashKeyRange> ranges = new HashMap<>();
    for (ShardMap map : List.of(before, after)) {
      for (String id : map.shardIds()) {
        ranges.put(id, map.range(id));
      }
    }
    int splitIndex = count / 2;

    DemoWorkload workload = new DemoWorkload(count, SEED);
    List<KinesisRecord> completed = new ArrayList<>(); // copies: what PutRecords would carry
    List<String> predictedShard = new ArrayList<>();
    Aggregator aggregator = Aggregator.builder()
        .maxRecordSize(MAX_RECORD_SIZE)
        .shardMap(before)
        .bufferPool(BufferPool.heap())
        .listener(record -> {
          completed.add(KinesisRecord.of(record.partitionKey(), record.explicitHashKey(), record.dataBytes()));
          predictedShard.add(record.predictedShardId());
          record.release();
        })
        .build();
    streams.progress("aggregating " + Text.number(count) + " user records per shard of " + shardCount
        + " (aggregates up to 1 MiB); " + parent + " splits at user record " + Text.number(splitIndex));
    long produceStart = System.nanoTime();
    for (int id = 0; id < count; id++) {
      if (id == splitIndex) {
        aggregator.replaceShardMap(after); // pending user records move to the child that owns them
      }
      byte[] userData = workload.data(id);
      aggregator.add(workload.partitionKey(id), workload.explicitHashKey(id), userData);
    }
    aggregator.flush();
    long calls = PutRecordsBatcher.builder().maxRequestSize(PutCommand.EMULATOR_MAX_REQUEST_SIZE).build()
        .split(completed).requests().size();
    double produceSeconds = (System.nanoTime() - produceStart) / 1e9;
    streams.progress(String.format(Locale.ROOT, "%s Kinesis records in %s PutRecords calls (%.2f s); "
        + "deaggregating each with its shard's hash range", Text.number(completed.size()), Text.number(calls),
        produceSeconds));

    long consumeStart = System.nanoTime();
    AtomicLong discarded = new AtomicLong();
    Deaggregator deaggregator = kclLikeDeaggregator(discarded);
    String[] firstError = {null};
    long bytesPut = 0;
    for (int i = 0; i < completed.size(); i++) {
      KinesisRecord record = completed.get(i);
      bytesPut += record.sizeInBytes();
      deaggregator.toBuilder().hashRange(ranges.get(predictedShard.get(i))).build().visit(record.data(),
          (partitionKey, explicitHashKey, source, offset, length, subSequenceNumber) -> {
            // A record sent raw (a lone user record) passes through with no key of its own: it is the outer one.
            String key = partitionKey != null ? partitionKey : record.partitionKey();
            String error = workload.check(key, source.slice(offset, length));
            if (error != null && firstError[0] == null) {
              firstError[0] = error;
            }
          });
    }
    double consumeSeconds = (System.nanoTime() - consumeStart) / 1e9;

    Summary summary = new Summary();
    summary.where = where + ", " + shardCount + " shards";
    summary.split = parent + " split in two at user record " + Text.number(splitIndex) + ": the aggregator's shard "
        + "map replaced, pending user records moved to the child that owns them";
    summary.userRecords = count;
    summary.userBytes = workload.userBytes();
    summary.kinesisRecords = completed.size();
    summary.calls = calls;
    summary.callsWithoutAggregation = workload.callsWithoutAggregation(PutCommand.EMULATOR_MAX_REQUEST_SIZE);
    summary.bytesPut = bytesPut;
    summary.produceSeconds = produceSeconds;
    summary.produceWhat = "Aggregator per shard, PutRecordsBatcher";
    summary.consumeSeconds = consumeSeconds;
    summary.consumeWhat = "Deaggregator with each shard's hash range, check each user record";
    summary.lost = workload.lost();
    summary.dropped = discarded.get();
    summary.duplicates = workload.duplicates();
    summary.firstError = firstError[0];
    return summary;
  }

  /** The hash key halfway through {@code [start, end]}, where a split makes two equal children. */
  private static String midpoint(String start, String end) {
    return new BigInteger(start).add(new BigInteger(end)).add(BigInteger.ONE).shiftRight(1).toString();
  }

  /** Drops a whole aggregate when one user record lies outside the shard, as KCL does, counting what it drops. */
  private static Deaggregator kclLikeDeaggregator(AtomicLong discarded) {
    return Deaggregator.builder()
        .hashRangePolicy(Deaggregator.HashRangePolicy.DROP_WHOLE_AGGREGATE)
        .listener(new Deaggregator.Listener() {
          @Override
          public void dropped(UserRecord record, Deaggregator.DropReason reason) {
            discarded.incrementAndGet();
          }
        })
        .build();
  }
}
