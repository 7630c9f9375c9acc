package io.kplcodec.cli;

import io.kplcodec.Aggregator;
import io.kplcodec.KinesisRecord;
import io.kplcodec.aws.KinesisProducer;
import io.kplcodec.aws.ProducerCounters;
import java.io.BufferedReader;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/** {@code kplc put}: user records (JSON lines) into a stream through codec-aws's aggregating producer. */
final class PutCommand extends Command {
  /** PutRecords size for emulators: kinesalite refuses HTTP bodies over about 7 MiB, and base64 adds a third. */
  static final int EMULATOR_MAX_REQUEST_SIZE = 4 * 1024 * 1024;
  static final int DEFAULT_MAX_REQUEST_SIZE = 5 * 1024 * 1024;
  static final int DEFAULT_LOCAL_SHARDS = 4;

  @Override
  String name() {
    return "put";
  }

  @Override
  String summary() {
    return "Put user records (JSON lines) into a stream, aggregated per shard by kpl-codec's producer.";
  }

  @Override
  String usage() {
    return "kplc put --stream NAME [options] [FILE|-]...";
  }

  @Override
  List<Option> options() {
    return List.of(
        Option.value("stream", "NAME", "the stream to put into (required)"),
        KinesisEndpoint.ENDPOINT, KinesisEndpoint.REGION, KinesisEndpoint.PROFILE, KinesisEndpoint.DATA_DIR,
        Option.value("create-shards", "N", "create the stream with N shards if it does not exist (on the local "
            + "kinesalite: 4 unless given)"),
        Option.value("max-record-size", "BYTES", "the stream's maximum record size: 1MiB (default) up to 10MiB"),
        Option.value("max-request-size", "BYTES", "largest PutRecords call: 5MiB (4MiB for local emulators) up "
            + "to 10MiB"),
        Option.flag("validate-only", "check every line (JSON, keys, sizes) as put would, and put nothing: no "
            + "endpoint is needed"));
  }

  @Override
  String details() {
    return """
        Input: JSON lines of user records, as kplc aggregate reads them:
          {"partitionKey":"customer-1","data":"any text"}

        The producer (io.kplcodec.aws.KinesisProducer) aggregates user records per shard (from ListShards),
        batches them into PutRecords calls, retries throttled and failed calls and follows reshards. kplc waits
        until every user record is put, then prints what it took. Exit code 1 if any user record could not be
        put (each one is accounted for).

        Without --endpoint this uses kplc's local kinesalite (see kplc local), creating the stream if needed.

        Examples:
          kplc put --stream orders records.jsonl
          kplc deaggregate events.json | kplc put --stream replay --endpoint aws --region eu-west-1
        """;
  }

  @Override
  int run(Arguments arguments, Streams streams) throws Exception {
    String stream = arguments.required("stream");
    arguments.integer("create-shards", 1, 1, 10_000); // checked before connecting
    int maxRecordSize = arguments.bytes("max-record-size", AggregateCommand.DEFAULT_MAX_RECORD_SIZE, 1,
        AggregateCommand.LARGEST_MAX_RECORD_SIZE);
    List<String> sources = arguments.positionals().isEmpty() ? List.of("-") : arguments.positionals();
    if (arguments.flag("validate-only")) {
      return validate(sources, maxRecordSize, streams);
    }
    try (KinesisEndpoint endpoint = KinesisEndpoint.open(arguments, streams)) {
      try {
        int maxRequestSize = arguments.bytes("max-request-size",
            endpoint.isEmulator() ? EMULATOR_MAX_REQUEST_SIZE : DEFAULT_MAX_REQUEST_SIZE, 1, 10 * 1024 * 1024);
        Integer createShards = null;
        if (arguments.has("create-shards")) {
          createShards = arguments.integer("create-shards", 1, 1, 10_000);
        } else if (endpoint.isLocalKinesalite()) {
          createShards = DEFAULT_LOCAL_SHARDS;
        }
        ensureStream(endpoint, stream, createShards, streams);

        AtomicReference<Throwable> firstFailure = new AtomicReference<>();
        long started = System.nanoTime();
        ProducerCounters counters;
        CliException badInput = null;
        try (KinesisProducer producer = KinesisProducer.builder(endpoint.client(), stream)
            .maxRecordSize(maxRecordSize)
            .maxRequestSize(maxRequestSize)
            .build()) {
          Progress progress = streams.progressOf("user record");
          try {
            for (String source : sources) {
              try (BufferedReader reader = AggregateCommand.open(source, streams)) {
                UserRecordJson.readLines(reader, source.equals("-") ? "stdin" : source, line -> {
                  progress.add(line.data().length);
                  try {
                    producer.add(line.partitionKey(), line.explicitHashKey(), line.data()).whenComplete((r, e) -> {
                      if (e != null) {
                        firstFailure.compareAndSet(null, e);
                      }
                    });
                  } catch (IllegalArgumentException e) { // an invalid key, or a RecordTooLargeException
                    throw CliException.failed(line.location() + ": " + e.getMessage(), e);
                  }
                });
              }
            }
          } catch (CliException e) {
            badInput = e; // the records before the bad line are still put (close flushes), then the error is reported
          }
          producer.flush();
          progress.done();
          counters = producer.counters();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long added = counters.userRecordsAdded();
        // The producer's counters, not the futures' callbacks: flush returns once every future is complete, which
        // can be before every callback has run.
        streams.out.println("put " + InspectCommand.plural(counters.userRecordsPut(), "user record") + " into stream "
            + stream + " (" + endpoint.description() + "): " + InspectCommand.plural(counters.kinesisRecordsSent(),
            "Kinesis record") + " (" + counters.aggregatesSent() + " aggregated) in "
            + InspectCommand.plural(counters.putRecordsRequests(), "PutRecords call") + ", "
            + String.format(Locale.ROOT, "%.1f s", seconds));
        if (streams.verbose) {
          for (String line : describe(counters)) {
            streams.progress(line);
          }
        }
        streams.out.flush();
        if (badInput != null) {
          throw CliException.failed(badInput.getMessage() + (added == 0 ? " (nothing was put)"
              : added == 1 ? " (the user record before it was put)"
              : " (the " + InspectCommand.plural(added, "user record") + " before it were put)"), badInput);
        }
        if (counters.userRecordsFailed() > 0) {
          Throwable cause = unwrap(awaitFirst(firstFailure));
          throw CliException.failed(counters.userRecordsFailed() + " of " + InspectCommand.plural(added, "user record")
              + " could not be put; first error: " + cause.getMessage(), cause);
        }
      } catch (CliException | StandardOutput.Closed e) {
        throw e;
      } catch (Exception e) {
        throw endpoint.explain(e); // no credentials, nothing listening: one line saying what to do
      }
    }
    return 0;
  }

  /**
   * Checks the user records as {@code put} would (the aggregator applies the producer's key and size rules), without
   * an endpoint: the first bad line is an error naming it.
   */
  private static int validate(List<String> sources, int maxRecordSize, Streams streams) throws Exception {
    Aggregator aggregator = Aggregator.builder().maxRecordSize(maxRecordSize).build();
    long[] counted = {0, 0};
    for (String source : sources) {
      try (BufferedReader reader = AggregateCommand.open(source, streams)) {
        UserRecordJson.readLines(reader, source.equals("-") ? "stdin" : source, line -> {
          KinesisRecord completed = line.addTo(aggregator);
          if (completed != null) {
            completed.release();
          }
          counted[0]++;
          counted[1] += line.data().length;
        });
      }
    }
    aggregator.flush().forEach(KinesisRecord::release);
    streams.out.println(InspectCommand.plural(counted[0], "user record") + " (" + Text.size(counted[1])
        + " of data) valid for put; nothing was put (--validate-only)");
    return 0;
  }

  /** The producer's counters for people, one line per subject. */
  static List<String> describe(ProducerCounters c) {
    return List.of(
        "user records: " + Text.number(c.userRecordsAdded()) + " added, " + Text.number(c.userRecordsPut())
            + " put, " + Text.number(c.userRecordsFailed()) + " failed",
        "sent: " + InspectCommand.plural(c.kinesisRecordsSent(), "Kinesis record") + " ("
            + Text.number(c.aggregatesSent()) + " aggregated) in "
            + InspectCommand.plural(c.putRecordsRequests(), "PutRecords call"),
        "retries: " + InspectCommand.plural(c.failedRequests(), "failed call") + ", "
            + Text.number(c.failedEntries()) + " failed entries, " + Text.number(c.retriedEntries())
            + " entries retried",
        "reshards: " + Text.number(c.shardMapRefreshes()) + " shard map refreshes, "
            + InspectCommand.plural(c.misroutedRecords(), "Kinesis record") + " sent to a shard that no longer "
            + "owned it, " + InspectCommand.plural(c.userRecordsResent(), "user record") + " re-sent ("
            + Text.number(c.userRecordsResentInRange()) + " to the right shard)");
  }

  /** Waits for the stream to be ACTIVE, creating it first if it is missing and {@code createShards} is given. */
  static void ensureStream(KinesisEndpoint endpoint, String stream, Integer createShards, Streams streams)
      throws Exception {
    KinesisAsyncClient client = endpoint.client();
    try {
      awaitActive(client, stream);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof ResourceNotFoundException)) {
        throw e;
      }
      if (createShards == null) {
        throw CliException.failed("stream " + stream + " not found at " + endpoint.description()
            + " (--create-shards N creates it)");
      }
      streams.progress("creating stream " + stream + " with " + InspectCommand.plural(createShards, "shard"));
      client.createStream(b -> b.streamName(stream).shardCount(createShards)).get(30, TimeUnit.SECONDS);
      awaitActive(client, stream);
    }
  }

  /** Waits up to two minutes for the stream to be ACTIVE (after a create, AWS takes about half a minute). */
  static void awaitActive(KinesisAsyncClient client, String stream) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (client.describeStreamSummary(b -> b.streamName(stream)).get(30, TimeUnit.SECONDS)
        .streamDescriptionSummary().streamStatus() != StreamStatus.ACTIVE) {
      if (System.nanoTime() > deadline) {
        throw CliException.failed("stream " + stream + " is not ACTIVE after two minutes");
      }
      Thread.sleep(100);
    }
  }

  /** The first failure a callback saw; callbacks may still be running just after flush. */
  static Throwable awaitFirst(AtomicReference<Throwable> failure) throws InterruptedException {
    for (int i = 0; i < 5000 && failure.get() == null; i++) {
      Thread.sleep(1);
    }
    return failure.get() != null ? failure.get() : new IllegalStateException("(no error reported)");
  }

  static Throwable unwrap(Throwable error) {
    while ((error instanceof CompletionException || error instanceof ExecutionException) && error.getCause() != null) {
      error = error.getCause();
    }
    return error;
  }
}
