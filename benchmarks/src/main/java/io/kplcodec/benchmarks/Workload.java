package io.kplcodec.benchmarks;

import io.kplcodec.Aggregator;
import io.kplcodec.KinesisRecord;
import io.kplcodec.ShardMap;
import io.kplcodec.compat.CompatRecord;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One seeded, immutable set of user records and what kpl-codec makes of them; every implementation is measured on
 * the very same arrays and strings.
 *
 * <p>Named {@code <data>-<keys>-<record size>[-<n>shards]}, for example {@code 64B-uuid-1MiB},
 * {@code 1KiB-16keys-1MiB}, {@code 32KiB-16keys-10MiB} or {@code 64B-uuid-1MiB-4shards}:
 *
 * <ul>
 *   <li>data: every user record has this many random bytes (64B, 1KiB, 32KiB, or any {@code <n>B}, {@code <n>KiB});
 *   <li>keys: {@code uuid} gives every user record its own 36-character UUID partition key; {@code 16keys} draws
 *       each record's key from 16 such UUIDs; {@code -ehk} after either gives every user record its own explicit
 *       hash key too (a random decimal of about 39 digits);
 *   <li>record size: the stream's maximum record size the aggregates are cut to (1MiB or 10MiB);
 *   <li>shards: aggregate per shard over this many equal shards (kpl-codec's shard-aware mode).
 * </ul>
 *
 * <p>The user records are exactly what fills {@value #FULL_AGGREGATES_1MIB} full aggregates at 1 MiB
 * ({@value #FULL_AGGREGATES_10MIB} at 10 MiB): the last user record is the one after which the next would no longer
 * fit. With shards, the records fill {@value #FULL_AGGREGATES_SHARDED} aggregates and the flush at the end of an
 * aggregation emits the partial one of every shard.
 */
public final class Workload {
  static final int FULL_AGGREGATES_1MIB = 4;
  static final int FULL_AGGREGATES_10MIB = 2;
  static final int FULL_AGGREGATES_SHARDED = 8;
  /** The one seed: every fork and every implementation gets the same records. */
  private static final long SEED = 0x6b706c2d636f6465L;
  private static final Pattern NAME =
      Pattern.compile("(\\d+)(B|KiB)-(uuid|16keys)(-ehk)?-(\\d+)MiB(?:-(\\d+)shards)?");
  private static final Map<String, Workload> CACHE = new ConcurrentHashMap<>();

  final String name;
  final int dataSize;
  final boolean uuidKeys;
  /** Whether every user record also has its own explicit hash key (a random 128-bit decimal). */
  final boolean withExplicitHashKeys;
  final int maxRecordSize;
  /** 0 without a shard map. */
  final int shards;

  /** The user records of one aggregation op, in order; explicit hash keys are null unless the workload has them. */
  final String[] partitionKeys;
  final String[] explicitHashKeys;
  final byte[][] data;
  /** The user records of each aggregate kpl-codec's aggregator emits (without shards; empty with shards). */
  final List<List<CompatRecord>> chunks;
  /** Every aggregate one aggregation op emits, in order; the same bytes from every conforming implementation. */
  final byte[][] aggregates;
  /** The user record count of each aggregate in {@link #aggregates}. */
  final int[] aggregateUserRecords;

  private Workload(String name) {
    Matcher m = NAME.matcher(name);
    if (!m.matches()) {
      throw new IllegalArgumentException("Workload \"" + name
          + "\" is not <data>-<keys>-<record size>[-<n>shards], for example 64B-uuid-1MiB or 1KiB-16keys-1MiB-4shards");
    }
    this.name = name;
    this.dataSize = Integer.parseInt(m.group(1)) * (m.group(2).equals("KiB") ? 1024 : 1);
    this.uuidKeys = m.group(3).equals("uuid");
    this.withExplicitHashKeys = m.group(4) != null;
    this.maxRecordSize = Integer.parseInt(m.group(5)) << 20;
    this.shards = m.group(6) == null ? 0 : Integer.parseInt(m.group(6));
    int fullAggregates = shards > 0 ? FULL_AGGREGATES_SHARDED
        : maxRecordSize > (1 << 20) ? FULL_AGGREGATES_10MIB : FULL_AGGREGATES_1MIB;

    SplittableRandom random = new SplittableRandom(SEED);
    String[] sixteenKeys = new String[16];
    for (int i = 0; i < sixteenKeys.length; i++) {
      sixteenKeys[i] = uuid(random);
    }
    // Generate user records until the aggregator completes the last wanted aggregate: the record that completed it
    // starts the next one, so it is not part of the workload.
    List<String> keys = new ArrayList<>();
    List<String> hashKeys = new ArrayList<>();
    List<byte[]> payloads = new ArrayList<>();
    Aggregator probe = aggregator();
    int emitted = 0;
    while (true) {
      String key = uuidKeys ? uuid(random) : sixteenKeys[random.nextInt(16)];
      String hashKey = withExplicitHashKeys
          ? new BigInteger(128, new java.util.Random(random.nextLong())).toString()
          : null;
      byte[] payload = new byte[dataSize];
      random.nextBytes(payload);
      KinesisRecord completed = probe.add(key, hashKey, payload);
      if (completed != null && ++emitted == fullAggregates) {
        break;
      }
      keys.add(key);
      hashKeys.add(hashKey);
      payloads.add(payload);
    }
    partitionKeys = keys.toArray(new String[0]);
    explicitHashKeys = hashKeys.toArray(new String[0]);
    data = payloads.toArray(new byte[0][]);

    // What one aggregation op emits, and (without shards) which user records each aggregate holds.
    Aggregator aggregator = aggregator();
    List<KinesisRecord> out = new ArrayList<>();
    List<List<CompatRecord>> cut = new ArrayList<>();
    List<CompatRecord> current = new ArrayList<>();
    for (int i = 0; i < partitionKeys.length; i++) {
      KinesisRecord completed = aggregator.add(partitionKeys[i], explicitHashKeys[i], data[i]);
      if (completed != null) {
        out.add(completed);
        cut.add(List.copyOf(current));
        current.clear();
      }
      current.add(new CompatRecord(partitionKeys[i], explicitHashKeys[i], data[i]));
    }
    out.addAll(aggregator.flush());
    cut.add(List.copyOf(current));
    aggregates = new byte[out.size()][];
    aggregateUserRecords = new int[out.size()];
    for (int i = 0; i < out.size(); i++) {
      KinesisRecord record = out.get(i);
      if (!record.isAggregated()) {
        throw new IllegalStateException(name + ": a lone user record was emitted raw; pick another workload");
      }
      aggregates[i] = record.dataBytes();
      aggregateUserRecords[i] = record.userRecordCount();
    }
    chunks = shards > 0 ? List.of() : List.copyOf(cut);
  }

  /** The workload of this name, generated once per JVM. */
  public static Workload of(String name) {
    return CACHE.computeIfAbsent(name, Workload::new);
  }

  /** The workload of this name, generated afresh and not kept. */
  static Workload generate(String name) {
    return new Workload(name);
  }

  /** An aggregator as every kpl-codec aggregation of this workload configures it. */
  Aggregator aggregator() {
    Aggregator.Builder builder = Aggregator.builder().maxRecordSize(maxRecordSize);
    if (shards > 0) {
      builder.shardMap(shardMap(shards));
    }
    return builder.build();
  }

  /** {@code n} shards splitting the hash key space evenly, as a stream created with n shards has them. */
  static ShardMap shardMap(int n) {
    BigInteger space = BigInteger.ONE.shiftLeft(128);
    ShardMap.Builder builder = ShardMap.builder();
    for (int i = 0; i < n; i++) {
      BigInteger start = space.multiply(BigInteger.valueOf(i)).divide(BigInteger.valueOf(n));
      BigInteger end = space.multiply(BigInteger.valueOf(i + 1)).divide(BigInteger.valueOf(n)).subtract(BigInteger.ONE);
      builder.add(String.format("shardId-%012d", i), start.toString(), end.toString());
    }
    return builder.build();
  }

  private static String uuid(SplittableRandom random) {
    return new UUID(random.nextLong(), random.nextLong()).toString();
  }

  /** User records one aggregation op adds. */
  int userRecords() {
    return partitionKeys.length;
  }

  /** Bytes of user data one aggregation op adds. */
  long userBytes() {
    return (long) partitionKeys.length * dataSize;
  }

  /** The protobuf bytes (between magic and MD5) of every aggregate one aggregation op emits. */
  long protobufBytes() {
    long total = 0;
    for (byte[] aggregate : aggregates) {
      total += aggregate.length - 20;
    }
    return total;
  }

  /** The aggregate a deaggregation op takes apart: the first one, full. */
  byte[] fullAggregate() {
    return aggregates[0];
  }

  int fullAggregateUserRecords() {
    return aggregateUserRecords[0];
  }

  /** Bytes of user data in {@link #fullAggregate()}. */
  long fullAggregateUserBytes() {
    return (long) aggregateUserRecords[0] * dataSize;
  }

  /** What to print for this workload. */
  String describe() {
    return (dataSize >= 1024 ? dataSize / 1024 + " KiB" : dataSize + " B") + ", "
        + (uuidKeys ? "UUID keys" : "16 keys") + (withExplicitHashKeys ? " and explicit hash keys" : "") + ", " + (maxRecordSize >> 20) + " MiB records"
        + (shards > 0 ? ", " + shards + " shards" : "");
  }

  @Override
  public String toString() {
    return name;
  }
}
