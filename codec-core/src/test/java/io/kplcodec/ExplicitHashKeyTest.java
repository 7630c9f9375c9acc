package io.kplcodec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 22: explicit hash keys given in the forms the KPL accepts, through every codec-core entry point. The KPL
 * (0.15.12, captured; codec-protobuf-compat's KplVectorsTest replays 437 of its aggregates) reads them as {@code new
 * BigInteger(key.trim())} in 0..2^128-1 and writes, de-duplicates and sends {@code toString()}.
 */
class ExplicitHashKeyTest {
  private static final String MAX = "340282366920938463463374607431768211455";

  /** The 12 records of the issue's probe: the KPL made a 4-entry table of them (267 bytes), not an 11-entry one. */
  @Test
  void theIssuesProbeGivesTheKplsTable() {
    List<String> given = List.of("42", "00042", "042", "+42", "0", "0000", "+0", "-0", MAX, "0" + MAX,
        "000000" + MAX, "7");
    AggregateEncoder encoder = new AggregateEncoder();
    for (String key : given) {
      long predicted = encoder.sizeWith("k", key, 10);
      encoder.add("k", key, new byte[10]);
      assertEquals(predicted, encoder.size(), key);
    }
    List<UserRecord> users = Deaggregator.create().deaggregate(encoder.toByteArray());
    assertEquals(List.of("42", "42", "42", "42", "0", "0", "0", "0", MAX, MAX, MAX, "7"),
        users.stream().map(UserRecord::explicitHashKey).toList());
    // Table "42", "0", 2^128-1, "7": 4 + 3 (pk) + 4 + 3 + 41 + 3 + 12 records of 2 + 16 + MD5 16.
    assertEquals(4 + 3 + (2 + 2) + (2 + 1) + (2 + 39) + (2 + 1) + 12 * (2 + 16) + 16, encoder.size());
  }

  @Test
  void aggregatorAndPlainRecordsSendTheCanonicalForm() {
    Aggregator aggregator = Aggregator.builder().build();
    aggregator.add("k", " +00042\n", new byte[1]);
    KinesisRecord raw = aggregator.flush().get(0);
    assertEquals("42", raw.explicitHashKey(), "a lone record is sent raw with its key, canonical");
    aggregator.add("k", "0042", new byte[1]);
    aggregator.add("k", "42", new byte[1]);
    KinesisRecord aggregate = aggregator.flush().get(0);
    assertEquals("42", aggregate.explicitHashKey());
    assertEquals(List.of("42", "42"), Deaggregator.create().deaggregate(aggregate.dataBytes()).stream()
        .map(UserRecord::explicitHashKey).toList());
    assertEquals("0", KinesisRecord.of("k", "-0", new byte[1]).explicitHashKey());
    assertNull(KinesisRecord.of("k", null, new byte[1]).explicitHashKey());
  }

  /** The size of a record that starts an aggregate counts the canonical length (Aggregator.prepare). */
  @Test
  void aLoneAggregatedRecordIsSizedByItsCanonicalKey() {
    String padded = "0".repeat(45) + "7";
    AggregateEncoder encoder = new AggregateEncoder();
    encoder.add("k", "7", new byte[100]);
    int exact = (int) encoder.size() + 1; // the aggregate plus its outgoing partition key "k"
    Aggregator fits = Aggregator.builder().aggregateLoneRecords(true).maxRecordSize(exact).build();
    fits.add("k", padded, new byte[100]);
    assertEquals(exact, fits.flush().get(0).sizeInBytes());
    Aggregator tooSmall = Aggregator.builder().aggregateLoneRecords(true).maxRecordSize(exact - 1).build();
    assertThrows(RecordTooLargeException.class, () -> tooSmall.add("k", padded, new byte[100]));
  }

  @Test
  void routingReadsTheSameForms() {
    ShardMap shards = ShardMap.builder().add("low", "0", "99").add("high", "100", MAX).build();
    assertEquals("low", shards.shardIdFor("k", "+0099"));
    assertEquals("high", shards.shardIdFor("k", " 100 "));
    assertTrue(shards.range("low").contains("099"));
    assertTrue(shards.range("low").containsRecord("k", "-0"));
    assertThrows(IllegalArgumentException.class, () -> shards.shardIdFor("k", "-1"));
    // Range bounds stay canonical: ListShards writes them so, and ranges compare by their text.
    assertThrows(IllegalArgumentException.class, () -> HashKeyRange.of("0", "099"));
  }

  @Test
  void formsTheKplRefusesAreRefusedBeforeAnythingChanges() {
    for (String key : List.of("", " ", "+", "-1", "1e3", "4 2", "0x2A", "42\u00a0", MAX.replace('5', '6'),
        "1" + "0".repeat(39))) {
      AggregateEncoder encoder = new AggregateEncoder();
      encoder.add("k", "1", new byte[1]);
      long size = encoder.size();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> encoder.add("k", key,
          new byte[1]));
      assertTrue(e.getMessage().startsWith("Explicit hash key \""), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> encoder.sizeWith("k", key, 1));
      assertEquals(size, encoder.size());
      assertEquals(1, encoder.userRecordCount());
      Aggregator aggregator = Aggregator.builder().build();
      assertThrows(IllegalArgumentException.class, () -> aggregator.add("k", key, new byte[1]));
      assertEquals(0, aggregator.pendingUserRecordCount());
      assertThrows(IllegalArgumentException.class, () -> KinesisRecord.of("k", key, new byte[1]));
    }
  }

  /** The common path: a canonical key is used as it is, and adding it allocates nothing in steady state. */
  @Test
  void aCanonicalKeyCostsNoAllocation() {
    String key = new String("123456789012345678901234567890123456789".toCharArray());
    Aggregator aggregator = Aggregator.builder().maxRecordSize(1 << 20).build();
    aggregator.add("k", key, new byte[8]);
    assertSame(key, KinesisRecord.of("k", key, new byte[1]).explicitHashKey());
    AggregateEncoder encoder = new AggregateEncoder();
    byte[] data = new byte[8];
    Runnable steady = () -> {
      for (int i = 0; i < 10_000; i++) {
        encoder.sizeWith("k", key, 8);
        encoder.add("k", key, data);
        if (encoder.userRecordCount() == 1000) {
          encoder.reset();
        }
      }
    };
    steady.run(); // warm-up: buffers grown, code compiled
    long allocated = ThreadAllocation.allocatedBy(steady);
    assertTrue(allocated < 10_000, "10,000 adds with a canonical explicit hash key allocated " + allocated + " bytes");
  }
}
