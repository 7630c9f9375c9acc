package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.Deaggregator;
import io.kplcodec.HashKeyRange;
import io.kplcodec.local.LocalKinesis;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.kinesis.retrieval.AggregatorUtil;
import software.amazon.kinesis.retrieval.KinesisClientRecord;

/**
 * The producer against a real Kinesis API (kinesalite): 100,000 user records with mixed sizes, multi-byte partition
 * keys and some explicit hash keys into a 4-shard stream, one shard split in the middle of production; every shard
 * read back with GetRecords and deaggregated by kpl-codec and by KCL 3.5.1's own {@link AggregatorUtil} with each
 * shard's hash range.
 */
class ProducerEndToEndTest {
  static final int USER_RECORDS = 100_000;

  private static LocalKinesis kinesalite;
  private static KinesisAsyncClient client;

  @BeforeAll
  static void start() throws Exception {
    kinesalite = Kinesalite.start(null);
    client = kinesalite.client();
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (kinesalite != null) {
      kinesalite.close();
    }
  }

  @Test
  void hundredThousandUserRecordsThroughASplitNothingLostNothingDropped() throws Exception {
    // The defaults: aggregates up to 1 MiB, calls up to 4 MiB (see below).
    scenario("e2e-split", USER_RECORDS, KinesisProducer.MisroutePolicy.RESEND_WHOLE_AGGREGATE, 1024 * 1024,
        4 * 1024 * 1024);
  }

  @Test
  void resendingOnlyOutOfRangeRecordsIsExactlyOnceForPerRecordConsumers() throws Exception {
    // Small aggregates and calls: many calls in flight at once, so the split catches several of them.
    scenario("e2e-split-out-of-range", 30_000, KinesisProducer.MisroutePolicy.RESEND_OUT_OF_RANGE, 64 * 1024,
        256 * 1024);
  }

  private void scenario(String stream, int userRecords, KinesisProducer.MisroutePolicy policy, int maxRecordSize,
      int maxRequestSize) throws Exception {
    int splitIndex = userRecords / 2;
    List<Shard> initial = LocalKinesis.createStream(client, stream, 4);
    Shard toSplit = initial.get(0);
    BigInteger start = new BigInteger(toSplit.hashKeyRange().startingHashKey());
    BigInteger end = new BigInteger(toSplit.hashKeyRange().endingHashKey());
    String splitAt = start.add(end).shiftRight(1).toString();

    long began = System.nanoTime();
    Random random = new Random(7);
    String[] keys = partitionKeys(random, 3000);
    List<CompletableFuture<PutResult>> futures = new ArrayList<>(userRecords);
    String[] keyOf = new String[userRecords];
    boolean[] explicit = new boolean[userRecords];
    long payloadBytes = 0;
    CompletableFuture<?> split = null;
    try (KinesisProducer producer = KinesisProducer.builder(client, stream)
        .maxRecordSize(maxRecordSize)
        .maxRequestSize(maxRequestSize) // kinesalite refuses HTTP bodies over ~7 MiB: base64 of 5 MiB is close
        .misroutePolicy(policy)
        .build()) {
      for (int id = 0; id < userRecords; id++) {
        if (id == splitIndex) {
          split = client.splitShard(b -> b.streamName(stream).shardToSplit(toSplit.shardId())
              .newStartingHashKey(splitAt));
        }
        String key = keys[random.nextInt(keys.length)];
        // Some records carry an explicit hash key, which decides their shard instead of the key's MD5.
        String explicitHashKey = random.nextInt(20) == 0 ? new BigInteger(128, random).toString() : null;
        byte[] data = payload(id, key, random);
        payloadBytes += data.length;
        keyOf[id] = key;
        explicit[id] = explicitHashKey != null;
        futures.add(producer.add(key, explicitHashKey, data));
      }
      producer.flush();
      split.get(10, TimeUnit.SECONDS);
      ProducerCounters counters = producer.counters();
      double produceSeconds = (System.nanoTime() - began) / 1e9;

      // Every future completed with a result: nothing failed, nothing pending.
      for (CompletableFuture<PutResult> future : futures) {
        assertTrue(future.isDone() && !future.isCompletedExceptionally(), () -> "failed: " + future);
      }
      assertEquals(userRecords, counters.userRecordsAdded());
      assertEquals(userRecords, counters.userRecordsPut());
      assertEquals(0, counters.userRecordsFailed());

      LocalKinesis.awaitActive(client, stream);
      List<Shard> shards = new ArrayList<>(LocalKinesis.listShards(client, stream));
      assertEquals(6, shards.size(), "4 shards, one split into two: " + shards);
      shards.sort(Comparator.comparing(Shard::shardId)); // parents before children: per-key order reads right
      Map<String, List<Record>> byShard = new HashMap<>();
      long kinesisRecords = 0;
      for (Shard shard : shards) {
        List<Record> records = readShard(stream, shard.shardId());
        byShard.put(shard.shardId(), records);
        kinesisRecords += records.size();
      }

      // 1. kpl-codec, dropping whole aggregates with an out-of-range record, as KCL does.
      AtomicLong wholeDrops = new AtomicLong();
      Deaggregator wholeAggregate = Deaggregator.builder()
          .hashRangePolicy(Deaggregator.HashRangePolicy.DROP_WHOLE_AGGREGATE)
          .listener(new Deaggregator.Listener() {
            @Override
            public void dropped(io.kplcodec.UserRecord record, Deaggregator.DropReason reason) {
              wholeDrops.incrementAndGet();
            }
          })
          .build();
      List<Read> codecWhole = new ArrayList<>();
      for (Shard shard : shards) {
        for (DeaggregatedRecord record
            : SdkDeaggregator.of(wholeAggregate).forShard(shard).deaggregate(byShard.get(shard.shardId()))) {
          codecWhole.add(new Read(shard.shardId(), record.sequenceNumber(), record.subSequenceNumber(),
              record.partitionKey(), record.dataBytes()));
        }
      }

      // 2. KCL 3.5.1's AggregatorUtil with each shard's range: what a KCL worker hands a record processor.
      AggregatorUtil kcl = new AggregatorUtil();
      List<Read> kclReads = new ArrayList<>();
      for (Shard shard : shards) {
        List<KinesisClientRecord> input = new ArrayList<>();
        for (Record record : byShard.get(shard.shardId())) {
          input.add(KinesisClientRecord.fromRecord(record));
        }
        for (KinesisClientRecord record : kcl.deaggregate(input, shard.hashKeyRange().startingHashKey(),
            shard.hashKeyRange().endingHashKey())) {
          kclReads.add(new Read(shard.shardId(), record.sequenceNumber(), record.subSequenceNumber(),
              record.partitionKey(), bytes(record.data())));
        }
      }

      // 3. kpl-codec dropping only out-of-range user records.
      AtomicLong outOfRangeDrops = new AtomicLong();
      Deaggregator perRecord = Deaggregator.builder()
          .hashRangePolicy(Deaggregator.HashRangePolicy.DROP_OUT_OF_RANGE_RECORDS)
          .listener(new Deaggregator.Listener() {
            @Override
            public void dropped(io.kplcodec.UserRecord record, Deaggregator.DropReason reason) {
              outOfRangeDrops.incrementAndGet();
            }
          })
          .build();
      List<Read> codecPerRecord = new ArrayList<>();
      for (Shard shard : shards) {
        for (DeaggregatedRecord record
            : SdkDeaggregator.of(perRecord).forShard(shard).deaggregate(byShard.get(shard.shardId()))) {
          codecPerRecord.add(new Read(shard.shardId(), record.sequenceNumber(), record.subSequenceNumber(),
              record.partitionKey(), record.dataBytes()));
        }
      }

      // 4. KclDeaggregator, the drop-in for KCL's AggregatorUtil, both ways.
      KclDeaggregator kclWhole = new KclDeaggregator(Deaggregator.builder()
          .hashRangePolicy(Deaggregator.HashRangePolicy.DROP_WHOLE_AGGREGATE).build());
      KclDeaggregator kclPerRecord = KclDeaggregator.create();
      List<Read> dropInWhole = new ArrayList<>();
      List<Read> dropInPerRecord = new ArrayList<>();
      for (Shard shard : shards) {
        for (KclDeaggregator dropIn : List.of(kclWhole, kclPerRecord)) {
          List<KinesisClientRecord> input = new ArrayList<>();
          for (Record record : byShard.get(shard.shardId())) {
            input.add(KinesisClientRecord.fromRecord(record));
          }
          for (KinesisClientRecord record : dropIn.deaggregate(input, shard.hashKeyRange().startingHashKey(),
              shard.hashKeyRange().endingHashKey())) {
            (dropIn == kclWhole ? dropInWhole : dropInPerRecord).add(new Read(shard.shardId(),
                record.sequenceNumber(), record.subSequenceNumber(), record.partitionKey(), bytes(record.data())));
          }
        }
      }

      // kpl-codec and KCL agree record for record.
      assertEquals(kclReads.size(), codecWhole.size());
      for (int i = 0; i < kclReads.size(); i++) {
        assertEquals(kclReads.get(i), codecWhole.get(i), "record " + i);
      }
      assertEquals(kclReads, dropInWhole, "KclDeaggregator dropping whole aggregates = KCL's AggregatorUtil");
      assertEquals(codecPerRecord, dropInPerRecord, "KclDeaggregator.create() = kpl-codec per-record filter");
      assertEquals(wholeDrops.get(), kclWhole.droppedUserRecords());
      assertEquals(outOfRangeDrops.get(), kclPerRecord.droppedUserRecords());

      int[] seenWhole = tally(codecWhole, keyOf);
      int[] seenPerRecord = tally(codecPerRecord, keyOf);
      long duplicatesWhole = 0;
      long duplicatesPerRecord = 0;
      long missingWhole = 0;
      long retried = 0;
      for (int id = 0; id < userRecords; id++) {
        PutResult result = futures.get(id).join();
        assertTrue(seenPerRecord[id] >= 1, "user record " + id + " lost (per-record read)");
        if (policy == KinesisProducer.MisroutePolicy.RESEND_WHOLE_AGGREGATE) {
          assertTrue(seenWhole[id] >= 1, "user record " + id + " lost (KCL-style read)");
        }
        if (result.attempts() > 1) {
          retried++;
        } else {
          assertTrue(seenWhole[id] <= 1 && seenPerRecord[id] == 1, "user record " + id + " duplicated without a retry");
        }
        duplicatesWhole += Math.max(0, seenWhole[id] - 1);
        duplicatesPerRecord += seenPerRecord[id] - 1;
        missingWhole += seenWhole[id] == 0 ? 1 : 0;
      }
      // Duplicates only where the producer sent something again, and counted: none from request retries here
      // (kinesalite does not throttle), the in-range records of misrouted aggregates for the per-record reader.
      assertEquals(0, counters.retriedEntries(), counters.toString());
      assertEquals(0, duplicatesWhole, "the KCL-style reader sees no user record twice");
      assertEquals(counters.userRecordsResentInRange(), duplicatesPerRecord, counters.toString());
      if (policy == KinesisProducer.MisroutePolicy.RESEND_WHOLE_AGGREGATE) {
        assertEquals(wholeDrops.get(), counters.userRecordsResent(),
            "exactly the user records of misrouted mixed aggregates are dropped by a KCL-style reader, and re-sent");
        assertEquals(0, missingWhole);
      } else {
        assertEquals(0, counters.userRecordsResentInRange());
        assertEquals(outOfRangeDrops.get(), counters.userRecordsResent(),
            "exactly the out-of-range user records are dropped by the per-record reader, and re-sent");
        assertEquals(wholeDrops.get() - counters.userRecordsResent(), missingWhole,
            "the trade-off: a KCL-style reader loses the in-range user records of misrouted mixed aggregates");
      }

      // Every future points at its user record: shard, sequence number, sub-sequence number.
      Map<String, Read> byPosition = new HashMap<>();
      for (Read read : codecPerRecord) {
        byPosition.put(read.shardId + "/" + read.sequenceNumber + "/" + read.subSequenceNumber, read);
      }
      for (int id = 0; id < userRecords; id++) {
        PutResult result = futures.get(id).join();
        Read read = byPosition.get(result.shardId() + "/" + result.sequenceNumber() + "/" + result.subSequenceNumber());
        assertNotNull(read, "no record where the future of " + id + " says: " + result);
        assertEquals(id, idOf(read.data), "future of " + id + " points at another record: " + result);
      }

      // Order per partition key, for every user record sent once and routed by its key (an explicit hash key
      // sends records of one partition key to any shard).
      Map<String, Read> lastByKey = new HashMap<>();
      for (Read read : codecPerRecord) {
        int id = idOf(read.data);
        if (explicit[id] || futures.get(id).join().attempts() > 1) {
          continue;
        }
        Read last = lastByKey.put(read.partitionKey, read);
        assertTrue(last == null || idOf(last.data) < id, () -> "order broken for key " + read.partitionKey + ": "
            + idOf(last.data) + " at " + last + " " + futures.get(idOf(last.data)).join() + ", then " + id + " at "
            + read + " " + futures.get(id).join());
      }

      double totalSeconds = (System.nanoTime() - began) / 1e9;
      System.out.printf("codec-aws e2e (%s): %d user records (%d payload bytes) -> %d Kinesis records in %d PutRecords"
              + " calls; split at record %d; %s; user records re-sent %d (in range %d, retried futures %d);"
              + " duplicates: KCL-style 0, per-record %d; KCL-style drops %d (lost to it: %d); per-record drops %d;"
          + " produce %.1f s, total %.1f s%n",
          policy, userRecords, payloadBytes, kinesisRecords, counters.putRecordsRequests(), splitIndex, counters,
          counters.userRecordsResent(), counters.userRecordsResentInRange(), retried, duplicatesPerRecord,
          wholeDrops.get(), missingWhole, outOfRangeDrops.get(), produceSeconds, totalSeconds);
    }
  }

  static List<Record> readShard(String stream, String shardId) throws Exception {
    return LocalKinesis.readShard(client, stream, shardId);
  }

  /** Partition keys with multi-byte characters (2-, 3- and 4-byte UTF-8) and a few integer-looking ones. */
  static String[] partitionKeys(Random random, int count) {
    String[] prefixes = {"customer-", "ключ-", "キー", "🔑", "clé/é/", ""};
    String[] keys = new String[count];
    for (int i = 0; i < count; i++) {
      keys[i] = prefixes[i % prefixes.length] + i;
    }
    return keys;
  }

  /** "id;key;" then filler: 80% up to 150 bytes, 18% up to 1,000, 2% up to 10,000. */
  static byte[] payload(int id, String key, Random random) {
    int roll = random.nextInt(100);
    int size = roll < 80 ? random.nextInt(150) : roll < 98 ? 150 + random.nextInt(850) : 1000 + random.nextInt(9000);
    byte[] head = (id + ";" + key + ";").getBytes(StandardCharsets.UTF_8);
    byte[] data = new byte[head.length + size];
    System.arraycopy(head, 0, data, 0, head.length);
    for (int i = head.length; i < data.length; i++) {
      data[i] = (byte) ('a' + (id + i) % 26);
    }
    return data;
  }

  static int idOf(byte[] data) {
    int id = 0;
    for (int i = 0; data[i] != ';'; i++) {
      id = id * 10 + (data[i] - '0');
    }
    return id;
  }

  /** How often each user record was read; checks its partition key came back with it. */
  static int[] tally(List<Read> reads, String[] keyOf) {
    int[] seen = new int[keyOf.length];
    for (Read read : reads) {
      int id = idOf(read.data);
      assertEquals(keyOf[id], read.partitionKey, "partition key of user record " + id);
      String text = new String(read.data, StandardCharsets.UTF_8);
      assertTrue(text.startsWith(id + ";" + keyOf[id] + ";"), "data of user record " + id);
      seen[id]++;
    }
    return seen;
  }

  static byte[] bytes(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return out;
  }

  /** A user record as a reader saw it. */
  static final class Read {
    final String shardId;
    final String sequenceNumber;
    final long subSequenceNumber;
    final String partitionKey;
    final byte[] data;

    Read(String shardId, String sequenceNumber, long subSequenceNumber, String partitionKey, byte[] data) {
      this.shardId = shardId;
      this.sequenceNumber = sequenceNumber;
      this.subSequenceNumber = subSequenceNumber;
      this.partitionKey = partitionKey;
      this.data = data;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Read
          && shardId.equals(((Read) o).shardId)
          && sequenceNumber.equals(((Read) o).sequenceNumber)
          && subSequenceNumber == ((Read) o).subSequenceNumber
          && partitionKey.equals(((Read) o).partitionKey)
          && java.util.Arrays.equals(data, ((Read) o).data);
    }

    @Override
    public int hashCode() {
      return sequenceNumber.hashCode() * 31 + (int) subSequenceNumber;
    }

    @Override
    public String toString() {
      return shardId + "/" + sequenceNumber + "/" + subSequenceNumber + " " + partitionKey + " " + data.length + "B";
    }
  }
}
