package io.kplcodec.benchmarks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.Deaggregator;
import io.kplcodec.UserRecord;
import io.kplcodec.compat.ProtobufJavaCodec;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.infra.Blackhole;

/** Every implementation does the whole job on the same workload, before anyone trusts its timing. */
class PathsTest {
  private static final Blackhole BLACKHOLE = Checks.blackhole();

  @Test
  void workloadsFillWholeAggregatesAndAreIdenticalEveryTime() {
    Workload w = Workload.of("1KiB-16keys-1MiB");
    assertEquals(Workload.FULL_AGGREGATES_1MIB, w.aggregates.length);
    for (byte[] aggregate : w.aggregates) {
      assertTrue(aggregate.length <= (1 << 20) - 36, "aggregate plus its 36-byte partition key fits 1 MiB");
      assertTrue(aggregate.length > (1 << 20) - 36 - 1100, "and the next 1 KiB user record would not have fit");
    }
    Workload again = Workload.generate("1KiB-16keys-1MiB"); // seeded: the same records in every fork
    assertArrayEquals(w.fullAggregate(), again.fullAggregate());
    assertArrayEquals(w.aggregates[w.aggregates.length - 1], again.aggregates[again.aggregates.length - 1]);
    assertEquals(w.chunks.stream().mapToInt(List::size).sum(), w.userRecords());
    assertArrayEquals(w.aggregates[1], new ProtobufJavaCodec().encode(w.chunks.get(1)));
  }

  @Test
  void workloadNamesAreChecked() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Workload.of("64B-1MiB"));
    assertTrue(e.getMessage().contains("<data>-<keys>-<record size>"), e.getMessage());
  }

  @Test
  void uuidKeysAreDistinctAnd16KeysAreSixteen() {
    Workload uuid = Workload.of("64B-uuid-1MiB");
    assertEquals(uuid.userRecords(), new java.util.HashSet<>(List.of(uuid.partitionKeys)).size());
    assertEquals(36, uuid.partitionKeys[0].length());
    assertEquals(16, new java.util.HashSet<>(List.of(Workload.of("64B-16keys-1MiB").partitionKeys)).size());
  }

  @Test
  void everyAggregationPathProducesTheWorkloadsAggregates() {
    for (String workload : List.of("64B-uuid-1MiB", "32KiB-16keys-1MiB")) {
      Workload w = Workload.of(workload);
      long expected = 0;
      for (byte[] aggregate : w.aggregates) {
        expected += aggregate.length;
      }
      for (String implementation : List.of(Contenders.KPL_CODEC, Contenders.PROTOBUF_JAVA,
          Contenders.CODEC_PREFIX + "kpl-codec", Contenders.CODEC_PREFIX + "protobuf-java")) {
        AggregationPath path = Contenders.aggregation(implementation, w);
        assertEquals(expected, path.aggregate(BLACKHOLE), implementation + " on " + workload);
        assertEquals(expected, path.aggregate(BLACKHOLE), implementation + " on " + workload + ", again");
      }
    }
  }

  @Test
  void shardAwareAggregationKeepsEveryAggregateOnItsShard() {
    Workload w = Workload.of("64B-uuid-1MiB-4shards");
    assertTrue(w.aggregates.length > Workload.FULL_AGGREGATES_SHARDED);
    long userRecords = 0;
    for (byte[] aggregate : w.aggregates) {
      List<UserRecord> records = Deaggregator.create().deaggregate(aggregate);
      String shard = Workload.shardMap(4).shardIdFor(records.get(0).partitionKey(), null);
      for (UserRecord record : records) {
        assertEquals(shard, Workload.shardMap(4).shardIdFor(record.partitionKey(), null));
      }
      userRecords += records.size();
    }
    assertEquals(w.userRecords(), userRecords);
    assertThrows(IllegalArgumentException.class, () -> Contenders.aggregation(Contenders.PROTOBUF_JAVA, w));
  }

  @Test
  void everyDeaggregationPathSeesEveryUserRecord() {
    for (String workload : List.of("64B-uuid-1MiB", "1KiB-16keys-1MiB")) {
      Workload w = Workload.of(workload);
      for (String implementation : List.of(Contenders.KPL_CODEC_VISIT, Contenders.KPL_CODEC_LIST,
          Contenders.PROTOBUF_JAVA, Contenders.KCL, Contenders.CODEC_PREFIX + "kpl-codec",
          Contenders.CODEC_PREFIX + "protobuf-java", Contenders.CODEC_PREFIX + "KCL")) {
        DeaggregationPath path = Contenders.deaggregation(implementation, w);
        assertEquals(w.fullAggregateUserBytes(), path.deaggregate(BLACKHOLE), implementation + " on " + workload);
      }
    }
  }

  @Test
  void unknownImplementationsAreNamed() {
    Workload w = Workload.of("64B-16keys-1MiB");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Contenders.aggregation("nope", w));
    assertTrue(e.getMessage().contains("codec:<name>"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Contenders.aggregation("codec:KCL", w));
    assertTrue(e.getMessage().contains("does not aggregate"), e.getMessage());
  }
}
