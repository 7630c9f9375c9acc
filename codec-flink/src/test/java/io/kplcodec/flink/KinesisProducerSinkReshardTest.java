package io.kplcodec.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.Classification;
import io.kplcodec.Deaggregator;
import io.kplcodec.Deaggregator.HashRangePolicy;
import io.kplcodec.HashKeyRange;
import io.kplcodec.UserRecord;
import io.kplcodec.local.LocalKinesis;
import io.kplcodec.local.testing.KinesaliteExtension;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.kinesis.retrieval.AggregatorUtil;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

/**
 * Issue 21: no user record lost to KCL consumers after a reshard. A MiniCluster job (parallelism 2, checkpoints every
 * 500 ms) writes user records with 20,000 partition keys through {@link KinesisProducerSink} into a 4-shard
 * kinesalite stream while the stream is resharded under it: shard 0 split at an arbitrary hash key at 20% of the
 * records, shard 1 split evenly at 35% (what UpdateShardCount does), shards 2 and 3 merged at 65%; and one task
 * fails at the first record after a checkpoint past 45%, so the job restores and replays.
 *
 * <p>Every shard (closed parents too) is then read back four ways: the real KCL 3.5.1 {@code
 * AggregatorUtil.deaggregate(records, startingHashKey, endingHashKey)}, and codec-core with {@code
 * DROP_WHOLE_AGGREGATE}, {@code DROP_OUT_OF_RANGE_RECORDS} and {@code KEEP_ALL}. Asserted: every user record present
 * in each, byte for byte with its keys; KCL and {@code DROP_WHOLE_AGGREGATE} agree on every user record; the
 * reshards misrouted aggregates and the producer re-sent them; the duplicates are exactly explained: for KCL only
 * the restore's replay (unless a PutRecords call failed, whose entries may be stored twice), and for the other two
 * policies the re-sent user records, as counted by the writers' metrics.
 *
 * <p>CI size: 40,000 user records at 2,000/s (about 40 s). The size: {@code
 * -Dkplcodec.flink.reshardRecords=500000} (rate {@code -Dkplcodec.flink.reshardRate}, 10,000/s at that size). {@code
 * -Dkplcodec.flink.reshardSink=connector} (or {@code connector-per-key}) runs the same weather through {@link
 * AggregatingKinesisSink} (per shard, or per partition key) and only reports what each reader lost; {@code
 * -Dkplcodec.flink.reshardFailure=false} leaves out the failure.
 */
class KinesisProducerSinkReshardTest {
  private static final int USER_RECORDS = Integer.getInteger("kplcodec.flink.reshardRecords", 40_000);
  private static final int RATE =
      Integer.getInteger("kplcodec.flink.reshardRate", USER_RECORDS > 100_000 ? 10_000 : 2_000);
  private static final String SINK = System.getProperty("kplcodec.flink.reshardSink", "producer");
  private static final boolean FAILURE =
      Boolean.parseBoolean(System.getProperty("kplcodec.flink.reshardFailure", "true"));
  private static final long SEED = Long.getLong("kplcodec.flink.reshardSeed", 21);
  private static final int PARALLELISM = 2;
  private static final String STREAM = "reshard";

  static final AtomicIntegerArray EMITTED = new AtomicIntegerArray(USER_RECORDS);
  static final AtomicLong EMITTED_TOTAL = new AtomicLong();
  static final AtomicBoolean FAILED = new AtomicBoolean();
  static final AtomicInteger COMPLETED_CHECKPOINTS = new AtomicInteger();

  private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

  @RegisterExtension
  static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
      .setConfiguration(METRICS.addToConfiguration(new Configuration()))
      .setNumberTaskManagers(1)
      .setNumberSlotsPerTaskManager(PARALLELISM)
      .build());

  @RegisterExtension
  static final KinesaliteExtension KINESALITE = new KinesaliteExtension();

  @Test
  void noUserRecordLostToKclAcrossSplitsMergeAndRestore() throws Exception {
    List<Shard> initial = new ArrayList<>(LocalKinesis.createStream(KINESALITE.client(), STREAM, 4));
    initial.sort(Comparator.comparing(Shard::shardId));
    long started = System.nanoTime();
    long cpuStarted = processCpuNanos();

    StreamExecutionEnvironment env = MiniClusterJobs.restartingEnvironment(PARALLELISM, 500);
    DataStream<Long> ids = env.fromSource(new DataGeneratorSource<>(id -> id, USER_RECORDS,
            RateLimiterStrategy.perSecond(RATE), Types.LONG), WatermarkStrategy.noWatermarks(), "ids")
        .map(new FailOnceAfterCheckpoint(FAILURE ? USER_RECORDS * 45L / 100 / PARALLELISM : Long.MAX_VALUE))
        .name("fail once");
    wire(ids, KINESALITE.port());

    AtomicReference<Throwable> weatherFailed = new AtomicReference<>();
    List<String> weatherLog = new ArrayList<>();
    Thread weather = new Thread(() -> {
      try {
        reshard(initial, weatherLog);
      } catch (Throwable e) {
        weatherFailed.set(e);
      }
    }, "weather");
    weather.setDaemon(true);
    weather.start();
    env.execute("write through reshards");
    weather.join(30_000);
    double writeSeconds = (System.nanoTime() - started) / 1e9;
    double writeCpuSeconds = (processCpuNanos() - cpuStarted) / 1e9; // this JVM: Flink, the job and the sink
    assertEquals(null, weatherFailed.get(), "the reshards ran");
    assertEquals(3, weatherLog.size(), "two splits and a merge during the job: " + weatherLog);
    int replayed = 0;
    for (int id = 0; id < USER_RECORDS; id++) {
      assertTrue(EMITTED.get(id) >= 1, "the job emitted " + id);
      replayed += EMITTED.get(id) > 1 ? 1 : 0;
    }
    if (FAILURE) {
      assertTrue(FAILED.get(), "the forced failure happened, after a completed checkpoint");
      assertTrue(replayed > 0 && replayed < USER_RECORDS / 2, "the restore replayed what followed it: " + replayed);
    }

    // Read every shard back, parents first, four ways.
    List<Shard> shards = new ArrayList<>(LocalKinesis.listShards(KINESALITE.client(), STREAM));
    shards.sort(Comparator.comparing(Shard::shardId));
    assertEquals(9, shards.size(), "4 shards, two split in two, two merged into one: " + shards);
    int[] kcl = new int[USER_RECORDS];
    int[] whole = new int[USER_RECORDS];
    int[] outOfRange = new int[USER_RECORDS];
    int[] keepAll = new int[USER_RECORDS];
    long kinesisRecords = 0;
    long aggregates = 0;
    AggregatorUtil kclUtil = new AggregatorUtil();
    for (Shard shard : shards) {
      String start = shard.hashKeyRange().startingHashKey();
      String end = shard.hashKeyRange().endingHashKey();
      HashKeyRange range = HashKeyRange.of(start, end);
      List<Record> records = LocalKinesis.readShard(KINESALITE.client(), STREAM, shard.shardId());
      kinesisRecords += records.size();
      List<KinesisClientRecord> input = new ArrayList<>(records.size());
      for (Record record : records) {
        input.add(KinesisClientRecord.fromRecord(record));
      }
      for (KinesisClientRecord user : kclUtil.deaggregate(input, start, end)) {
        byte[] data = bytes(user.data());
        int id = check(data, user.partitionKey(),
            user.aggregated() ? user.explicitHashKey() : ReshardRecords.explicitHashKey(idOf(data)));
        kcl[id]++;
      }
      aggregates += read(records, range, HashRangePolicy.DROP_WHOLE_AGGREGATE, whole);
      read(records, range, HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS, outOfRange);
      read(records, range, HashRangePolicy.KEEP_ALL, keepAll);
    }
    long kclTotal = sum(kcl);
    long wholeTotal = sum(whole);
    long outOfRangeTotal = sum(outOfRange);
    long keepAllTotal = sum(keepAll);
    int[] lost = {missing(kcl), missing(whole), missing(outOfRange), missing(keepAll)};

    Map<String, Long> counters = producerCounters();
    String summary = String.format("codec-flink reshard (%s sink%s): %,d user records, %,d replayed after the restore;"
            + " splits and merge at %s; %,d Kinesis records (%,d aggregates), %.1f user records each;"
            + " lost by KCL %,d, DROP_WHOLE_AGGREGATE %,d, DROP_OUT_OF_RANGE_RECORDS %,d, KEEP_ALL %,d;"
            + " duplicates: KCL %,d, DROP_OUT_OF_RANGE_RECORDS %,d, KEEP_ALL %,d; producers: %s; write %.1f s"
            + " (%.1f CPU-s in the test JVM)",
        SINK, FAILURE ? ", one failure and restore" : "", USER_RECORDS, replayed, weatherLog, kinesisRecords,
        aggregates, (double) keepAllTotal / kinesisRecords, lost[0], lost[1], lost[2], lost[3],
        kclTotal - (USER_RECORDS - lost[0]), outOfRangeTotal - (USER_RECORDS - lost[2]),
        keepAllTotal - (USER_RECORDS - lost[3]), counters, writeSeconds, writeCpuSeconds);
    System.out.println(summary);
    if (!SINK.equals("producer")) {
      return; // a measurement of the connector-based sink: reported, not asserted
    }

    assertEquals(0, lost[0], "user records lost by KCL: " + summary);
    assertEquals(0, lost[1], "user records lost by DROP_WHOLE_AGGREGATE: " + summary);
    assertEquals(0, lost[2], "user records lost by DROP_OUT_OF_RANGE_RECORDS: " + summary);
    assertEquals(0, lost[3], "user records lost by KEEP_ALL: " + summary);
    assertArrayEquals(kcl, whole, "KCL and DROP_WHOLE_AGGREGATE see the same copies of every user record");
    assertTrue(counters.get("misroutedRecords") > 0 && counters.get("userRecordsResent") > 0,
        "the reshards caught aggregates in flight, and the producers re-sent them: " + counters);
    // A misrouted aggregate is dropped whole by KCL and re-sent whole: KEEP_ALL sees all of it twice, a policy
    // dropping only strangers sees its in-range user records twice. Nothing else differs between the readers.
    assertEquals(counters.get("userRecordsResent"), keepAllTotal - kclTotal,
        "KEEP_ALL's extra copies are the re-sent user records: " + summary);
    assertEquals(counters.get("userRecordsResentInRange"), outOfRangeTotal - kclTotal,
        "DROP_OUT_OF_RANGE_RECORDS' extra copies are the user records re-sent though in range: " + summary);
    if (counters.get("failedRequests") == 0) {
      // No PutRecords call whose outcome was unknown: KCL sees a user record again only if the job emitted it again.
      for (int id = 0; id < USER_RECORDS; id++) {
        assertTrue(kcl[id] <= EMITTED.get(id), "KCL reads user record " + id + " " + kcl[id]
            + " times, but the job emitted it " + EMITTED.get(id) + " times");
      }
    }
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** The sink under test, after the map. */
  private static void wire(DataStream<Long> ids, int port) {
    if (SINK.equals("producer")) {
      ids.sinkTo(KinesisProducerSink.<Long>builder()
              .setStreamName(STREAM)
              .setKinesisClientProperties(Kinesalite.clientProperties(port))
              .setSerializationSchema(ReshardRecords::data)
              .setPartitionKeyGenerator(ReshardRecords::partitionKey)
              .setExplicitHashKeyGenerator(ReshardRecords::explicitHashKey)
              // kinesalite refuses HTTP bodies over about 7 MiB: 4 MiB of data is 5.4 MiB in base64 JSON.
              .configureProducer(producer -> producer.maxRequestSize(4 * 1024 * 1024))
              .build())
          .name("Kinesis producer sink");
    } else {
      AggregatingKinesisSink.<Long>builder()
          .setStreamName(STREAM)
          .setKinesisClientProperties(Kinesalite.clientProperties(port))
          .setSerializationSchema(ReshardRecords::data)
          .setPartitionKeyGenerator(ReshardRecords::partitionKey)
          .setExplicitHashKeyGenerator(ReshardRecords::explicitHashKey)
          .setShardAware(!SINK.equals("connector-per-key"))
          .setShardMapRefreshInterval(Duration.ofMillis(Long.getLong("kplcodec.flink.reshardRefreshMs", 60_000)))
          .configureSink(sink -> sink.setMaxBatchSizeInBytes(4 * 1024 * 1024).setMaxTimeInBufferMS(200))
          .build()
          .addTo(ids);
    }
  }

  /** Split shard 0 at an arbitrary key at 20%, split shard 1 evenly at 35%, merge shards 2 and 3 at 65%. */
  private static void reshard(List<Shard> initial, List<String> log) throws Exception {
    awaitEmitted(20);
    Shard first = initial.get(0);
    BigInteger start = new BigInteger(first.hashKeyRange().startingHashKey());
    BigInteger end = new BigInteger(first.hashKeyRange().endingHashKey());
    // Anywhere in the shard's range but its ends: a split the producer's map cannot have guessed.
    BigInteger arbitrary = start.add(BigInteger.ONE).add(new BigInteger(end.subtract(start).bitLength() - 1,
        new java.util.Random(new SplittableRandom(SEED).nextLong())).mod(end.subtract(start).subtract(BigInteger.ONE)));
    KINESALITE.client().splitShard(b -> b.streamName(STREAM).shardToSplit(first.shardId()).newStartingHashKey(arbitrary.toString()))
        .get();
    LocalKinesis.awaitActive(KINESALITE.client(), STREAM);
    log.add("split " + first.shardId() + " at " + arbitrary + " after " + EMITTED_TOTAL.get());

    awaitEmitted(35);
    Shard second = initial.get(1);
    String middle = new BigInteger(second.hashKeyRange().startingHashKey())
        .add(new BigInteger(second.hashKeyRange().endingHashKey())).shiftRight(1).add(BigInteger.ONE).toString();
    KINESALITE.client().splitShard(b -> b.streamName(STREAM).shardToSplit(second.shardId()).newStartingHashKey(middle)).get();
    LocalKinesis.awaitActive(KINESALITE.client(), STREAM);
    log.add("split " + second.shardId() + " evenly after " + EMITTED_TOTAL.get());

    awaitEmitted(65);
    KINESALITE.client().mergeShards(b -> b.streamName(STREAM).shardToMerge(initial.get(2).shardId())
        .adjacentShardToMerge(initial.get(3).shardId())).get();
    LocalKinesis.awaitActive(KINESALITE.client(), STREAM);
    log.add("merge " + initial.get(2).shardId() + "+" + initial.get(3).shardId() + " after " + EMITTED_TOTAL.get());
  }

  private static void awaitEmitted(int percent) throws InterruptedException {
    long target = (long) USER_RECORDS * percent / 100;
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (EMITTED_TOTAL.get() < target) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the job did not reach " + target + " user records");
      }
      Thread.sleep(5);
    }
  }

  /** Deaggregates a shard's records with codec-core under {@code policy}, counting each user record's copies. */
  private static long read(List<Record> records, HashKeyRange range, HashRangePolicy policy, int[] copies) {
    Deaggregator deaggregator = Deaggregator.builder().hashRange(range).hashRangePolicy(policy).build();
    long aggregates = 0;
    for (Record record : records) {
      List<UserRecord> users = deaggregator.deaggregate(record.data().asByteBuffer());
      aggregates += deaggregator.classify(record.data().asByteBuffer()) == Classification.AGGREGATED ? 1 : 0;
      for (UserRecord user : users) {
        int id = check(user.dataBytes(), user.isAggregated() ? user.partitionKey() : record.partitionKey(),
            user.isAggregated() ? user.explicitHashKey() : ReshardRecords.explicitHashKey(idOf(user.dataBytes())));
        copies[id]++;
      }
    }
    return aggregates;
  }

  /** Checks a user record byte for byte against its id's; returns the id. */
  private static int check(byte[] data, String partitionKey, String explicitHashKey) {
    int id = idOf(data);
    assertArrayEquals(ReshardRecords.data(id), data, "data of " + id);
    assertEquals(ReshardRecords.partitionKey(id), partitionKey, "partition key of " + id);
    if (SINK.equals("producer") || SINK.equals("connector")) {
      assertEquals(ReshardRecords.explicitHashKey(id), explicitHashKey, "explicit hash key of " + id);
    }
    return id;
  }

  private static int idOf(byte[] data) {
    int id = 0;
    for (int i = 0; data[i] != '|'; i++) {
      id = id * 10 + (data[i] - '0');
    }
    return id;
  }

  private static byte[] bytes(ByteBuffer buffer) {
    byte[] bytes = new byte[buffer.remaining()];
    buffer.duplicate().get(bytes);
    return bytes;
  }

  private static long sum(int[] copies) {
    long total = 0;
    for (int count : copies) {
      total += count;
    }
    return total;
  }

  private static int missing(int[] copies) {
    int missing = 0;
    for (int count : copies) {
      missing += count == 0 ? 1 : 0;
    }
    return missing;
  }

  /** The writers' producer counters (group kplProducer), summed over every writer of every attempt. */
  private static Map<String, Long> producerCounters() {
    Map<String, Long> sums = new java.util.TreeMap<>();
    for (Map.Entry<MetricGroup, Map<String, Metric>> group : METRICS.getMetricsByGroup().entrySet()) {
      for (Map.Entry<String, Metric> metric : group.getValue().entrySet()) {
        String name = metric.getKey().substring(metric.getKey().lastIndexOf('.') + 1);
        if (group.getKey().getScopeComponents().length > 0 && metric.getValue() instanceof Gauge
            && String.join(".", group.getKey().getScopeComponents()).endsWith("kplProducer")) {
          Object value = ((Gauge<?>) metric.getValue()).getValue();
          if (value instanceof Number) {
            sums.merge(name, ((Number) value).longValue(), Long::sum);
          }
        }
      }
    }
    for (String name : List.of("misroutedRecords", "userRecordsResent", "userRecordsResentInRange",
        "failedRequests")) {
      sums.putIfAbsent(name, 0L);
    }
    return sums;
  }

  /**
   * Passes ids on, counting each; on subtask 0, once it has processed {@code after} records, throws at the first
   * record after a checkpoint completes (once per test run).
   */
  static final class FailOnceAfterCheckpoint extends RichMapFunction<Long, Long> implements CheckpointListener {
    private static final long serialVersionUID = 1L;
    private final long after;
    private long processed;
    private boolean failAtNextRecord;

    FailOnceAfterCheckpoint(long after) {
      this.after = after;
    }

    @Override
    public Long map(Long id) {
      if (failAtNextRecord && FAILED.compareAndSet(false, true)) {
        throw new IllegalStateException("forced failure at user record " + id + " (expected by the test)");
      }
      processed++;
      EMITTED.incrementAndGet(id.intValue());
      EMITTED_TOTAL.incrementAndGet();
      return id;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      if (COMPLETED_CHECKPOINTS.incrementAndGet() >= 2 && processed >= after
          && getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
        failAtNextRecord = true;
      }
    }
  }
}
