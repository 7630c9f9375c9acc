package io.kplcodec.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.Deaggregator;
import io.kplcodec.Deaggregator.DropReason;
import io.kplcodec.Deaggregator.HashRangePolicy;
import io.kplcodec.HashKeyRange;
import io.kplcodec.UserRecord;
import io.kplcodec.local.LocalKinesis;
import java.io.IOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.serialization.AbstractDeserializationSchema;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.kinesis.source.KinesisStreamsSource;
import org.apache.flink.connector.kinesis.source.config.KinesisStreamsSourceConfigConstants;
import org.apache.flink.connector.kinesis.source.config.KinesisStreamsSourceConfigConstants.InitialPosition;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;

/**
 * 100,000 user records through the aggregation step and Flink's KinesisStreamsSink into a 4-shard kinesalite stream,
 * with checkpoints and one forced task failure and restore, then read back twice: by a job with KinesisStreamsSource
 * and the deaggregating schema (KCL's strictest hash-range policy), and shard by shard with codec-core directly.
 *
 * <p>Every user record must be there, byte for byte with its keys; nothing may be dropped by a hash-range check;
 * duplicates may come only from the restore: whole Kinesis records the sink's checkpointed state held and the
 * restored writer put again (byte-identical), or user records the restored job emitted again; and the sink must have
 * put far fewer Kinesis records than user records.
 */
class FlinkKinesisEndToEndTest {
  private static final int USER_RECORDS = 100_000;
  private static final int SHARDS = 4;
  private static final int PARALLELISM = 2;
  private static final String STREAM = "orders";

  /** Per id: how many times the job handed it to the aggregation step (more than once only after the restore). */
  static final AtomicIntegerArray EMITTED = new AtomicIntegerArray(USER_RECORDS);
  /** Per id: how many times the reading job's deaggregating source produced it. */
  static final AtomicIntegerArray READ_BY_SOURCE = new AtomicIntegerArray(USER_RECORDS);
  static final AtomicLong READ_BY_SOURCE_TOTAL = new AtomicLong();
  static final AtomicBoolean FAILED = new AtomicBoolean();
  static final AtomicInteger COMPLETED_CHECKPOINTS = new AtomicInteger();

  @RegisterExtension
  static final MiniClusterExtension FLINK = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
      .setNumberTaskManagers(1)
      .setNumberSlotsPerTaskManager(PARALLELISM)
      .build());

  private static LocalKinesis kinesalite;
  private static KinesisAsyncClient direct;
  private static ArnRewritingProxy proxy;

  @BeforeAll
  static void start() throws Exception {
    kinesalite = Kinesalite.start();
    direct = kinesalite.client();
    proxy = new ArnRewritingProxy(kinesalite.port());
  }

  @AfterAll
  static void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (direct != null) {
      direct.close();
    }
    if (kinesalite != null) {
      kinesalite.close();
    }
  }

  @Test
  void everyUserRecordArrivesAggregatedPerShardAcrossAFailureAndRestore() throws Exception {
    LocalKinesis.createStream(direct, STREAM, SHARDS);
    long started = System.nanoTime();

    // 1. Write: ids -> (fails once, after checkpoints) -> aggregation -> KinesisStreamsSink, all chained.
    StreamExecutionEnvironment env = MiniClusterJobs.restartingEnvironment(PARALLELISM, 300);
    DataStream<Long> ids = env.fromSource(new DataGeneratorSource<>(id -> id, USER_RECORDS,
            RateLimiterStrategy.perSecond(10_000), Types.LONG), WatermarkStrategy.noWatermarks(), "ids")
        .map(new FailOnceAfterCheckpoints()).name("fail once");
    AggregatingKinesisSink.<Long>builder()
        .setStreamArn(Kinesalite.streamArn(STREAM))
        .setKinesisClientProperties(Kinesalite.clientProperties(proxy.port()))
        .setSerializationSchema(TestRecords::data)
        .setPartitionKeyGenerator(TestRecords::partitionKey)
        .setExplicitHashKeyGenerator(TestRecords::explicitHashKey)
        // Longer than the checkpoint interval, and at 10,000 user records/s a 1 MiB aggregate takes seconds to fill:
        // barriers, not the timer or full aggregates, flush what is pending, so the forced failure right after a
        // checkpoint would lose user records if the barrier did not flush.
        .setMaxBufferTime(Duration.ofSeconds(1))
        // kinesalite refuses HTTP bodies over about 7 MiB: 4 MiB of data is 5.4 MiB in base64 JSON.
        .configureSink(sink -> sink.setMaxBatchSizeInBytes(4 * 1024 * 1024).setMaxTimeInBufferMS(200))
        .build()
        .addTo(ids);
    env.execute("aggregate into kinesis");
    long written = System.nanoTime();
    assertTrue(FAILED.get(), "the forced failure happened, after a completed checkpoint");
    int replayed = 0;
    for (int id = 0; id < USER_RECORDS; id++) {
      assertTrue(EMITTED.get(id) >= 1, "the job emitted " + id);
      replayed += EMITTED.get(id) > 1 ? 1 : 0;
    }
    assertTrue(replayed > 0 && replayed < USER_RECORDS / 2,
        "the restore replayed only what followed the last checkpoint: " + replayed);

    // 2. Read every shard with codec-core directly, filtering by the shard's range under KCL's strictest policy.
    int[] direct = new int[USER_RECORDS];
    // Per user record: copies in distinct Kinesis records. A Kinesis record stored twice byte for byte is one the
    // sink's checkpointed state held and the restored writer put again (a whole aggregate); anything beyond that
    // must be a user record the restored job emitted again.
    int[] distinct = new int[USER_RECORDS];
    Set<String> payloads = new HashSet<>();
    long wholeRecordRepeats = 0;
    long kinesisRecords = 0;
    long aggregates = 0;
    long stored = 0;
    AtomicLong dropped = new AtomicLong();
    for (Shard shard : LocalKinesis.listShards(FlinkKinesisEndToEndTest.direct, STREAM)) {
      HashKeyRange range = HashKeyRange.of(shard.hashKeyRange().startingHashKey(),
          shard.hashKeyRange().endingHashKey());
      Deaggregator deaggregator = Deaggregator.builder()
          .hashRange(range)
          .hashRangePolicy(HashRangePolicy.DROP_WHOLE_AGGREGATE)
          .listener(new Deaggregator.Listener() {
            @Override
            public void dropped(UserRecord record, DropReason reason) {
              dropped.incrementAndGet();
            }
          })
          .build();
      for (Record record : LocalKinesis.readShard(FlinkKinesisEndToEndTest.direct, STREAM, shard.shardId())) {
        kinesisRecords++;
        assertTrue(range.containsRecord(record.partitionKey(), null), "its partition key routes it here");
        boolean repeat = !payloads.add(record.partitionKey() + "/" + sha256(record.data().asByteArrayUnsafe()));
        wholeRecordRepeats += repeat ? 1 : 0;
        List<UserRecord> users = deaggregator.deaggregate(record.data().asByteBuffer());
        aggregates += users.size() == 1 && !users.get(0).isAggregated() ? 0 : 1;
        for (UserRecord user : users) {
          byte[] data = user.dataBytes();
          int id = TestRecords.idOf(data);
          assertArrayEquals(TestRecords.data(id), data, "data of " + id);
          assertEquals(TestRecords.partitionKey(id),
              user.isAggregated() ? user.partitionKey() : record.partitionKey(), "partition key of " + id);
          assertEquals(TestRecords.explicitHashKey(id), user.explicitHashKey(), "explicit hash key of " + id);
          direct[id]++;
          distinct[id] += repeat ? 0 : 1;
          stored++;
        }
      }
    }
    assertEquals(0, dropped.get(), "a hash-range check dropped user records");
    int duplicates = 0;
    int duplicatesInRepeatedRecords = 0;
    for (int id = 0; id < USER_RECORDS; id++) {
      int copies = direct[id];
      assertTrue(copies >= 1, "user record " + id + " is missing");
      assertTrue(distinct[id] <= EMITTED.get(id), "user record " + id + " is in " + distinct[id]
          + " different Kinesis records but was emitted " + EMITTED.get(id) + " times");
      duplicates += copies - 1;
      duplicatesInRepeatedRecords += copies - distinct[id];
    }
    assertEquals(kinesisRecords, proxy.putRecordsEntries(), "every PutRecords entry the sink sent was stored");
    assertTrue(kinesisRecords * 20 < USER_RECORDS,
        "aggregated: " + kinesisRecords + " Kinesis records for " + USER_RECORDS + " user records");

    // 3. Read back with KinesisStreamsSource and the deaggregating schema (ranges from ListShards, by ARN).
    Configuration sourceConfig = Kinesalite.sourceConfig(proxy.port());
    sourceConfig.set(KinesisStreamsSourceConfigConstants.STREAM_INITIAL_POSITION, InitialPosition.TRIM_HORIZON);
    KinesisStreamsSource<Integer> source = KinesisStreamsSource.<Integer>builder()
        .setStreamArn(Kinesalite.streamArn(STREAM))
        .setSourceConfig(sourceConfig)
        .setDeserializationSchema(DeaggregatingDeserializationSchema.builder(new IdSchema())
            .hashRangePolicy(HashRangePolicy.DROP_WHOLE_AGGREGATE)
            .shardRangesFrom(sourceConfig)
            .build())
        .build();
    StreamExecutionEnvironment readEnv = StreamExecutionEnvironment.getExecutionEnvironment();
    readEnv.setParallelism(PARALLELISM);
    readEnv.fromSource(source, WatermarkStrategy.noWatermarks(), "kinesis", Types.INT)
        .map(new CountRead()).name("count")
        .sinkTo(new DiscardingSink<>());
    JobClient reading = readEnv.executeAsync("read back");
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (READ_BY_SOURCE_TOTAL.get() < stored && System.nanoTime() < deadline) {
        assertTrue(!reading.getJobStatus().get().isGloballyTerminalState(), "the reading job ended early");
        Thread.sleep(100);
      }
      Thread.sleep(1_000); // anything beyond what is stored would show up now
    } finally {
      reading.cancel().get(30, TimeUnit.SECONDS);
    }
    assertEquals(stored, READ_BY_SOURCE_TOTAL.get(), "user records read by the source");
    for (int id = 0; id < USER_RECORDS; id++) {
      assertEquals(direct[id], READ_BY_SOURCE.get(id), "copies of " + id + " read by the source");
    }
    assertTrue(proxy.rewrittenRequests() > 0, "the source spoke by ARN through the proxy");

    System.out.printf("codec-flink end to end: %,d user records (%,d emitted again after the restore), %,d stored:"
            + " %,d duplicates, %,d of them in %,d Kinesis records the restored sink put again whole, the rest"
            + " re-emitted by the restored job; %,d PutRecords entries in %,d calls (%,d aggregates):"
            + " %.0f user records per entry; 0 dropped by hash-range checks; read back by KinesisStreamsSource and"
            + " by codec-core per shard; write %.1f s, total %.1f s%n",
        USER_RECORDS, replayed, stored, duplicates, duplicatesInRepeatedRecords, wholeRecordRepeats,
        proxy.putRecordsEntries(), proxy.putRecordsCalls(), aggregates, (double) stored / proxy.putRecordsEntries(),
        (written - started) / 1e9, (System.nanoTime() - started) / 1e9);
  }

  private static String sha256(byte[] data) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }

  /**
   * Passes ids on, counting each; on subtask 0, once past 15,000 records and two completed checkpoints, throws at the
   * first record after a checkpoint completes: what the aggregation step held at that checkpoint's barrier, had it
   * not flushed there, would then be lost (the restored source resumes after it).
   */
  static final class FailOnceAfterCheckpoints extends RichMapFunction<Long, Long> implements CheckpointListener {
    private static final long serialVersionUID = 1L;
    private long processed;
    private boolean failAtNextRecord;

    @Override
    public Long map(Long id) {
      if (failAtNextRecord && FAILED.compareAndSet(false, true)) {
        throw new IllegalStateException("forced failure at user record " + id + " (expected by the test)");
      }
      processed++;
      EMITTED.incrementAndGet(id.intValue());
      return id;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
      if (COMPLETED_CHECKPOINTS.incrementAndGet() >= 2 && processed >= 15_000
          && getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
        failAtNextRecord = true;
      }
    }
  }

  /** A user record's id, from its data. */
  static final class IdSchema extends AbstractDeserializationSchema<Integer> {
    private static final long serialVersionUID = 1L;

    @Override
    public Integer deserialize(byte[] message) throws IOException {
      return TestRecords.idOf(message);
    }
  }

  /** Counts what the source read. */
  static final class CountRead extends RichMapFunction<Integer, Integer> {
    private static final long serialVersionUID = 1L;

    @Override
    public Integer map(Integer id) {
      READ_BY_SOURCE.incrementAndGet(id);
      READ_BY_SOURCE_TOTAL.incrementAndGet();
      return id;
    }
  }
}
