package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.Deaggregator;
import io.kplcodec.local.LocalKinesis;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.kinesis.retrieval.AggregatorUtil;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

/**
 * Issue 16's demanding user, against kinesalite behind a {@link FaultProxy}: several adding threads, about 30% of
 * PutRecords calls meeting a fault of every kind, an outage of a few seconds (shorter than half the record timeout),
 * a split and a merge while producing. Then every shard is read back by kpl-codec under both hash-range policies and
 * by KCL 3.5.1's own {@link AggregatorUtil} with the shard's range.
 *
 * <p>Runs in its own JVM at {@code -Xmx256m} (the {@code producer-fault-e2e} surefire execution). Size and settings:
 * {@code -Dproducer.fault.records} (300,000; the README's figures come from 1,000,000), {@code
 * -Dproducer.fault.bufferMiB} (32), {@code -Dproducer.fault.recordKiB} (64, aggregates) and {@code
 * -Dproducer.fault.requestKiB} (512, calls): small enough for many calls, so that faults hit hundreds of them, {@code
 * -Dproducer.fault.outageSeconds} (5). Live heap is measured after {@code System.gc()} every 2 s and once during the
 * outage, minus the heap before the producer started and minus what the proxy (in this JVM) holds.
 */
class ProducerFaultEndToEndTest {
  static final int RECORDS = Integer.getInteger("producer.fault.records", 300_000);
  static final long BUFFER = Long.getLong("producer.fault.bufferMiB", 32) << 20;
  static final int RECORD_KIB = Integer.getInteger("producer.fault.recordKiB", 64);
  static final int REQUEST_KIB = Integer.getInteger("producer.fault.requestKiB", 512);
  static final int OUTAGE_SECONDS = Integer.getInteger("producer.fault.outageSeconds", 5);
  /** The proxy's fault choices; printed with the figures, so a run can be tried again with the same choices. */
  static final long SEED = Long.getLong("producer.fault.seed", System.nanoTime());
  static final Duration RECORD_TIMEOUT = Duration.ofSeconds(30);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
  /** What the producer may hold beyond twice its buffer: the SDK client, its connection pool, the aggregator pool. */
  static final long CONSTANT = 24L << 20;
  static final int THREADS = 4;
  static final int KEYS_PER_THREAD = 2_500;

  static final byte PENDING = 0;
  static final byte PUT = 1;
  static final byte FAILED_NOT_STORED = 2;
  static final byte FAILED_MAY_BE_STORED = 3;

  @Test
  void demandingUserWithFaultsAnOutageASplitAndAMerge() throws Exception {
    run(RECORDS, RECORD_TIMEOUT, OUTAGE_SECONDS);
  }

  /**
   * The same weather with a record timeout shorter than the outage: futures fail, and each whose record is in the
   * stream all the same must say it may have been stored.
   */
  @Test
  void recordsThatTimeOutSayWhetherTheyMayHaveBeenStored() throws Exception {
    run(Math.min(RECORDS, 60_000), Duration.ofSeconds(3), OUTAGE_SECONDS);
  }

  private void run(int records, Duration recordTimeout, int outageSeconds) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Runtime.getRuntime().maxMemory() <= 256L << 20,
        "runs in its own JVM at -Xmx256m (the producer-fault-e2e execution), not at " + Runtime.getRuntime().maxMemory());
    byte[] status = new byte[records];
    byte[] attempts = new byte[records];
    short[] keyOf = new short[records];
    boolean[] explicit = new boolean[records];
    String[] landed = new String[records];
    Map<KinesisProducerException.Reason, String> failureExamples = new java.util.concurrent.ConcurrentHashMap<>();
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

    try (LocalKinesis kinesalite = Kinesalite.start(null);
        KinesisAsyncClient direct = kinesalite.client()) {
      String stream = "fault-e2e-" + recordTimeout.toSeconds();
      List<Shard> initial = LocalKinesis.createStream(direct, stream, 4);
      Map<FaultProxy.Fault, Double> rates = new EnumMap<>(FaultProxy.Fault.class);
      rates.put(FaultProxy.Fault.THROTTLE, 0.05);
      rates.put(FaultProxy.Fault.ERROR_500, 0.03);
      rates.put(FaultProxy.Fault.ERROR_503, 0.03);
      rates.put(FaultProxy.Fault.PARTIAL, 0.06);
      rates.put(FaultProxy.Fault.DELAY_PAST_TIMEOUT, 0.03);
      rates.put(FaultProxy.Fault.RESET_MID_REQUEST, 0.03);
      rates.put(FaultProxy.Fault.RESET_MID_RESPONSE, 0.03);
      rates.put(FaultProxy.Fault.ERROR_500_AFTER_STORING, 0.04);
      try (FaultProxy proxy = FaultProxy.start(kinesalite.port(), rates, REQUEST_TIMEOUT.plusMillis(500), SEED);
          KinesisAsyncClient client = proxy.client()) {
        System.gc();
        long baseline = memory.getHeapMemoryUsage().getUsed();
        AtomicLong maxLiveHeap = new AtomicLong();
        AtomicLong outageLiveHeap = new AtomicLong();
        long[] allocatedBefore = allocatedBytes();

        KinesisProducer producer = KinesisProducer.builder(client, stream)
            .maxBufferedBytes(BUFFER)
            .recordTimeout(recordTimeout)
            .requestTimeout(REQUEST_TIMEOUT)
            .maxRecordSize(RECORD_KIB * 1024)
            .maxRequestSize(REQUEST_KIB * 1024) // kinesalite refuses HTTP bodies over ~7 MiB: at most 4 MiB
            .build();
        long began = System.nanoTime();
        AtomicInteger added = new AtomicInteger();
        AtomicLong adderAllocation = new AtomicLong(); // an ended thread's allocation can no longer be read
        CountDownLatch quarter = new CountDownLatch(1);
        CountDownLatch twoFifths = new CountDownLatch(1);
        CountDownLatch threeFifths = new CountDownLatch(1);
        List<Thread> adders = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
          int thread = t;
          adders.add(new Thread(() -> {
            com.sun.management.ThreadMXBean threadBean =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long allocatedAtStart = threadBean.getCurrentThreadAllocatedBytes();
            Random random = new Random(16 + thread);
            for (int id = thread; id < records; id += THREADS) {
              int key = thread * KEYS_PER_THREAD + random.nextInt(KEYS_PER_THREAD);
              keyOf[id] = (short) key;
              String explicitHashKey = random.nextInt(50) == 0 ? new BigInteger(128, random).toString() : null;
              explicit[id] = explicitHashKey != null;
              byte[] data = payload(id, 100 + random.nextInt(201));
              int record = id;
              CompletableFuture<PutResult> future = producer.add("key-" + key, explicitHashKey, ByteBuffer.wrap(data));
              future.whenComplete((result, error) -> {
                if (error == null) {
                  attempts[record] = (byte) Math.min(127, result.attempts());
                  landed[record] = result.shardId().substring(result.shardId().length() - 2) + "/"
                      + result.sequenceNumber().substring(result.sequenceNumber().length() - 12) + "/"
                      + result.subSequenceNumber();
                  status[record] = PUT;
                } else {
                  KinesisProducerException failure = (KinesisProducerException) error;
                  status[record] = failure.mayHaveBeenStored() ? FAILED_MAY_BE_STORED : FAILED_NOT_STORED;
                  failureExamples.putIfAbsent(failure.reason(), failure.getMessage());
                }
              });
              int count = added.incrementAndGet();
              if (count == records / 4) {
                quarter.countDown();
              } else if (count == records * 2 / 5) {
                twoFifths.countDown();
              } else if (count == records * 3 / 5) {
                threeFifths.countDown();
              }
            }
            adderAllocation.addAndGet(threadBean.getCurrentThreadAllocatedBytes() - allocatedAtStart);
          }, "adder-" + t));
        }
        // The weather: a split at a quarter, an outage at two fifths, a merge at three fifths.
        Thread weather = new Thread(() -> {
          try {
            quarter.await();
            Shard toSplit = initial.get(0);
            String splitAt = new BigInteger(toSplit.hashKeyRange().startingHashKey())
                .add(new BigInteger(toSplit.hashKeyRange().endingHashKey())).shiftRight(1).toString();
            direct.splitShard(b -> b.streamName(stream).shardToSplit(toSplit.shardId()).newStartingHashKey(splitAt))
                .get(10, TimeUnit.SECONDS);
            LocalKinesis.awaitActive(direct, stream);
            twoFifths.await();
            CompletableFuture<Void> measure = CompletableFuture.runAsync(() -> {
              sleep(outageSeconds * 1000L * 3 / 4);
              System.gc();
              outageLiveHeap.set(memory.getHeapMemoryUsage().getUsed() - baseline - proxy.heldBytes());
            });
            proxy.outage(Duration.ofSeconds(outageSeconds));
            measure.join();
            threeFifths.await();
            direct.mergeShards(b -> b.streamName(stream).shardToMerge(initial.get(2).shardId())
                .adjacentShardToMerge(initial.get(3).shardId())).get(10, TimeUnit.SECONDS);
            LocalKinesis.awaitActive(direct, stream);
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        }, "weather");
        Thread heapWatch = new Thread(() -> {
          while (!Thread.currentThread().isInterrupted()) {
            System.gc();
            long live = memory.getHeapMemoryUsage().getUsed() - baseline - proxy.heldBytes();
            maxLiveHeap.accumulateAndGet(live, Math::max);
            if (!sleep(2000)) {
              return;
            }
          }
        }, "heap-watch");
        weather.start();
        heapWatch.start();
        adders.forEach(Thread::start);
        for (Thread adder : adders) {
          adder.join();
        }
        double addSeconds = (System.nanoTime() - began) / 1e9;
        weather.join();
        producer.flush();
        heapWatch.interrupt();
        heapWatch.join();
        double produceSeconds = (System.nanoTime() - began) / 1e9;
        long[] allocatedAfter = allocatedBytes();
        long[] allocated = new long[3];
        for (int i = 0; i < 3; i++) {
          allocated[i] = allocatedAfter[i] - allocatedBefore[i];
        }
        allocated[0] = adderAllocation.get();
        ProducerCounters counters = producer.counters();
        producer.close();

        // Read back: kpl-codec both ways and KCL's AggregatorUtil, a page at a time, tallied per user record.
        List<Shard> shards = new ArrayList<>(LocalKinesis.listShards(direct, stream));
        assertEquals(7, shards.size(), "4 shards, one split in two, two merged into one: " + shards);
        shards.sort(Comparator.comparing(Shard::shardId)); // parents before children: per-key order reads right
        byte[] seenWhole = new byte[records];
        byte[] seenPerRecord = new byte[records];
        byte[] seenKcl = new byte[records];
        AtomicLong dropsWhole = new AtomicLong();
        AtomicLong dropsPerRecord = new AtomicLong();
        Map<Integer, Integer> lastSentOnceByKey = new HashMap<>();
        List<String> orderBroken = new ArrayList<>();
        List<String> sentOnceTwice = new ArrayList<>();
        AggregatorUtil kcl = new AggregatorUtil();
        for (Shard shard : shards) {
          SdkDeaggregator whole = SdkDeaggregator.of(Deaggregator.builder()
              .hashRangePolicy(Deaggregator.HashRangePolicy.DROP_WHOLE_AGGREGATE).build()).forShard(shard);
          SdkDeaggregator perRecord = SdkDeaggregator.of(Deaggregator.builder()
              .hashRangePolicy(Deaggregator.HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS).build()).forShard(shard);
          readShard(direct, stream, shard.shardId(), page -> {
            for (DeaggregatedRecord record : whole.deaggregate(page)) {
              tally(seenWhole, record.dataBytes());
            }
            for (DeaggregatedRecord record : perRecord.deaggregate(page)) {
              int id = tally(seenPerRecord, record.dataBytes());
              if (status[id] == PUT && attempts[id] == 1 && seenPerRecord[id] > 1 && sentOnceTwice.size() < 10) {
                sentOnceTwice.add(id + " (" + landed[id] + ") read again on " + shard.shardId());
              }
              if (status[id] == PUT && attempts[id] == 1 && !explicit[id]) {
                Integer last = lastSentOnceByKey.put((int) keyOf[id], id);
                if (last != null && last > id && orderBroken.size() < 10) {
                  orderBroken.add("key-" + keyOf[id] + ": " + last + " (" + landed[last] + ") before " + id + " ("
                      + landed[id] + ") read on " + shard.shardId());
                }
              }
            }
            List<KinesisClientRecord> input = new ArrayList<>(page.size());
            for (Record record : page) {
              input.add(KinesisClientRecord.fromRecord(record));
            }
            for (KinesisClientRecord record : kcl.deaggregate(input, shard.hashKeyRange().startingHashKey(),
                shard.hashKeyRange().endingHashKey())) {
              byte[] data = new byte[record.data().remaining()];
              record.data().get(data);
              tally(seenKcl, data);
            }
          });
          dropsWhole.addAndGet(whole.droppedUserRecords());
          dropsPerRecord.addAndGet(perRecord.droppedUserRecords());
        }

        long put = 0;
        long failed = 0;
        long flagged = 0;
        long flaggedFound = 0;
        long foundUnflagged = 0;
        long lostPerRecord = 0;
        long lostWhole = 0;
        long lostKcl = 0;
        long duplicatesPerRecord = 0;
        long duplicatesKcl = 0;
        long pending = 0;
        for (int id = 0; id < records; id++) {
          boolean found = seenPerRecord[id] > 0 || seenWhole[id] > 0 || seenKcl[id] > 0;
          switch (status[id]) {
            case PUT -> {
              put++;
              lostPerRecord += seenPerRecord[id] == 0 ? 1 : 0;
              lostWhole += seenWhole[id] == 0 ? 1 : 0;
              lostKcl += seenKcl[id] == 0 ? 1 : 0;
            }
            case FAILED_MAY_BE_STORED -> {
              failed++;
              flagged++;
              flaggedFound += found ? 1 : 0;
            }
            case FAILED_NOT_STORED -> {
              failed++;
              foundUnflagged += found ? 1 : 0;
            }
            default -> pending++;
          }
          duplicatesPerRecord += Math.max(0, seenPerRecord[id] - 1);
          duplicatesKcl += Math.max(0, seenKcl[id] - 1);
        }
        long bound = 2 * BUFFER + CONSTANT;
        double totalSeconds = (System.nanoTime() - began) / 1e9;
        String report = String.format("codec-aws fault e2e (seed " + SEED + "): record timeout " + recordTimeout + ", %,d user records, %d adding threads, buffer %d MiB, "
                + "outage %d s, faults %s of %,d PutRecords calls; futures put %,d, failed %,d (may have been stored "
                + "%,d, of which found in the stream %,d; not-stored found %,d); lost (put, not read) per-record %d, "
                + "whole-aggregate %d, KCL %d; duplicates per-record %,d, KCL %,d; drops whole %,d, per-record %,d; "
                + "live heap max %.1f MiB (during the outage %.1f MiB) vs bound %.1f MiB; longest add block %d ms; "
                + "allocated %.0f B per user record (adding threads %.0f with their payloads, producer thread %.0f, SDK threads "
                + "%.0f); add %.1f s, produce %.1f s, total "
                + "%.1f s; %s; failure examples: %s",
            records, THREADS, BUFFER >> 20, outageSeconds, proxy.injected(), proxy.putRecordsCalls(), put, failed,
            flagged, flaggedFound, foundUnflagged, lostPerRecord, lostWhole, lostKcl, duplicatesPerRecord,
            duplicatesKcl, dropsWhole.get(), dropsPerRecord.get(), maxLiveHeap.get() / 1048576.0,
            outageLiveHeap.get() / 1048576.0, bound / 1048576.0, counters.longestAddBlock().toMillis(),
            (double) (allocated[0] + allocated[1] + allocated[2]) / records, (double) allocated[0] / records,
            (double) allocated[1] / records, (double) allocated[2] / records, addSeconds, produceSeconds, totalSeconds, counters, failureExamples);
        System.out.println(report);

        assertEquals(0, pending, "every future completed: " + report);
        assertEquals(0, lostPerRecord, "nothing put is lost (kpl-codec, per-record): " + report);
        assertEquals(0, lostWhole, "nothing put is lost (kpl-codec, whole aggregates): " + report);
        assertEquals(0, lostKcl, "nothing put is lost (KCL's AggregatorUtil): " + report);
        assertEquals(0, foundUnflagged, "a failure whose record is in the stream says it may have been: " + report);
        assertTrue(outageSeconds * 2L >= recordTimeout.toSeconds() || failed == 0,
            "an outage shorter than half the record timeout fails no future: " + report);
        assertTrue(sentOnceTwice.isEmpty(), "a record put in one attempt is stored once: " + sentOnceTwice + "; "
            + report);
        assertTrue(orderBroken.isEmpty(), "per-key order for records sent once: " + orderBroken + "; " + report);
        assertTrue(maxLiveHeap.get() <= bound && outageLiveHeap.get() <= bound, "live heap within the bound: "
            + report);
      }
    }
  }

  private static boolean sleep(long millis) {
    try {
      Thread.sleep(millis);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Bytes allocated so far by the live threads that do the producer's work, by group: the adding threads (their
   * payloads included), the producer's thread, the SDK's threads (Netty event loops, response executor). The proxy's,
   * the kinesalite client's and JUnit's threads are left out.
   */
  private static long[] allocatedBytes() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long[] sum = new long[3];
    for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      String name = info.getThreadName();
      int group = name.startsWith("adder-") ? 0 : name.startsWith("kpl-codec-producer-") ? 1
          : name.startsWith("aws-java-sdk-") || name.startsWith("sdk-async-response") ? 2 : -1;
      if (group >= 0) {
        sum[group] += Math.max(0, threads.getThreadAllocatedBytes(info.getThreadId()));
      }
    }
    return sum;
  }

  /** "id;" then filler up to {@code size} bytes. */
  static byte[] payload(int id, int size) {
    byte[] head = (id + ";").getBytes(StandardCharsets.US_ASCII);
    byte[] data = new byte[Math.max(size, head.length)];
    System.arraycopy(head, 0, data, 0, head.length);
    for (int i = head.length; i < data.length; i++) {
      data[i] = (byte) ('a' + (id + i) % 26);
    }
    return data;
  }

  private static int tally(byte[] seen, byte[] data) {
    int id = ProducerEndToEndTest.idOf(data);
    if (seen[id] < Byte.MAX_VALUE) {
      seen[id]++;
    }
    return id;
  }

  /** Every record of a shard, a GetRecords page at a time. */
  private static void readShard(KinesisAsyncClient client, String stream, String shardId,
      java.util.function.Consumer<List<Record>> pages) throws Exception {
    String iterator = client.getShardIterator(b -> b.streamName(stream).shardId(shardId)
        .shardIteratorType("TRIM_HORIZON")).get(10, TimeUnit.SECONDS).shardIterator();
    while (iterator != null) {
      String current = iterator;
      // Pages of at most about 8 MiB: the test's JVM has 256 MiB.
      GetRecordsResponse response = client.getRecords(b -> b.shardIterator(current)
              .limit(Math.max(1, 8 * 1024 / RECORD_KIB)))
          .get(30, TimeUnit.SECONDS);
      if (response.records().isEmpty()) {
        break;
      }
      pages.accept(response.records());
      iterator = response.nextShardIterator();
    }
  }
}
