package io.kplcodec.compat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.AggregateEncoder;
import io.kplcodec.Aggregator;
import io.kplcodec.HashKeyRange;
import io.kplcodec.KinesisRecord;
import io.kplcodec.ShardMap;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * kpl-codec against the real KPL: Kinesis records captured from com.amazonaws:amazon-kinesis-producer:0.15.12 (its
 * native daemon, against a fake endpoint; see {@code kplcapture.KplVectorCapture}, which regenerates the file), each
 * with the user records it carries as they were given to the KPL's {@code addUserRecord}, non-canonical explicit
 * hash keys included. No KPL is needed here: the file is in the test resources.
 *
 * <p>Here rather than in codec-core: the capture program and its profile live in this module, which is where
 * kpl-codec is held to its peers; the test needs only codec-core.
 */
class KplVectorsTest {
  static final String RESOURCE = "/kpl-vectors/kpl-0.15.12.tsv.gz";
  private static final BigInteger SPACE = BigInteger.ONE.shiftLeft(128);
  private static final BigInteger MAX = SPACE.subtract(BigInteger.ONE);
  /** The fake endpoint's stream: four even shards. */
  private static final int SHARDS = 4;

  /** A user record as given to the KPL. */
  record User(int sequence, String partitionKey, String explicitHashKey, byte[] data) {}

  /** A Kinesis record as the KPL sent it, with its user records. */
  record Sent(int line, String partitionKey, String explicitHashKey, byte[] data, List<User> users) {
    boolean aggregated() {
      return data.length >= 4 && (data[0] & 0xFF) == 0xF3 && (data[1] & 0xFF) == 0x89 && (data[2] & 0xFF) == 0x9A
          && (data[3] & 0xFF) == 0xC2;
    }

    @Override
    public String toString() {
      return "line " + line + " (" + users.size() + " user records, " + data.length + " bytes)";
    }
  }

  /** An explicit hash key given to addUserRecord: what the KPL wrote for it, or its refusal. */
  record Probe(String given, String written, String refusal) {}

  private static final List<Sent> SENT = new ArrayList<>();
  private static final List<Probe> PROBES = new ArrayList<>();

  @BeforeAll
  static void read() throws IOException {
    List<Integer> userCounts = new ArrayList<>();
    try (InputStream in = KplVectorsTest.class.getResourceAsStream(RESOURCE)) {
      assertNotNull(in, RESOURCE);
      BufferedReader reader =
          new BufferedReader(new InputStreamReader(new GZIPInputStream(in), StandardCharsets.UTF_8));
      String line;
      int number = 0;
      Sent current = null;
      while ((line = reader.readLine()) != null) {
        number++;
        if (line.startsWith("#")) {
          continue;
        }
        String[] f = line.split("\t", -1);
        switch (f[0]) {
          case "P" -> PROBES.add(f[2].equals("accepted") ? new Probe(text(f[1]), f[3], null)
              : new Probe(text(f[1]), null, text(f[3])));
          case "R" -> {
            current = new Sent(number, text(f[1]), f[2].equals("-") ? null : f[2], bytes(f[3]), new ArrayList<>());
            SENT.add(current);
            userCounts.add(Integer.parseInt(f[4]));
          }
          case "U" -> current.users().add(new User(Integer.parseInt(f[1]), text(f[2]),
              f[3].equals("-") ? null : text(f[3]), bytes(f[4])));
          default -> throw new AssertionError("line " + number + ": unknown kind " + f[0]);
        }
      }
    }
    for (int i = 0; i < SENT.size(); i++) {
      assertEquals(userCounts.get(i), SENT.get(i).users().size(), SENT.get(i)::toString);
    }
  }

  private static String text(String base64) {
    return new String(bytes(base64), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String base64) {
    return Base64.getDecoder().decode(base64);
  }

  /**
   * Every aggregate the KPL sent, byte for byte from its user records as given, explicit hash keys in any form:
   * AggregateEncoder canonicalises them first, as the KPL does, and so de-duplicates them as it does.
   */
  @Test
  void encoderWritesEveryKplAggregateByteForByte() {
    AggregateEncoder encoder = new AggregateEncoder();
    int aggregates = 0;
    int users = 0;
    for (Sent sent : SENT) {
      if (!sent.aggregated()) {
        continue;
      }
      encoder.reset();
      for (User user : sent.users()) {
        long predicted = encoder.sizeWith(user.partitionKey(), user.explicitHashKey(), user.data().length);
        encoder.add(user.partitionKey(), user.explicitHashKey(), user.data());
        assertEquals(predicted, encoder.size(), () -> "sizeWith before the add vs size after it, " + sent);
      }
      assertEquals(sent.data().length, encoder.size(), sent::toString);
      assertArrayEquals(sent.data(), encoder.toByteArray(), sent::toString);
      aggregates++;
      users += sent.users().size();
    }
    System.out.printf("KPL vectors: %d aggregates (%d user records) byte-identical%n", aggregates, users);
    assertTrue(aggregates >= 300, "too few aggregates: " + aggregates);
  }

  /**
   * What Aggregator sends for the same user records, with the KPL's outer partition key ("a") and the stream's four
   * shards: the same bytes and keys as the KPL, aggregate or lone record alike. The outer explicit hash key is the
   * first user record's hash key in decimal. One difference: for a lone record without an explicit hash key the
   * KPL also sends that decimal (the MD5 of the partition key) where Aggregator sends none; Kinesis routes both by
   * the same MD5.
   */
  @Test
  void aggregatorSendsWhatTheKplSent() {
    ShardMap shards = evenShards();
    int rawWithoutKey = 0;
    for (Sent sent : SENT) {
      Aggregator aggregator = Aggregator.builder().fixedPartitionKey("a").shardMap(shards).build();
      for (User user : sent.users()) {
        assertNull(aggregator.add(user.partitionKey(), user.explicitHashKey(), user.data()), sent::toString);
      }
      List<KinesisRecord> out = aggregator.flush();
      assertEquals(1, out.size(), sent::toString);
      KinesisRecord record = out.get(0);
      assertEquals(sent.aggregated(), record.isAggregated(), sent::toString);
      assertArrayEquals(sent.data(), record.dataBytes(), sent::toString);
      assertEquals(sent.partitionKey(), record.partitionKey(), sent::toString);
      User first = sent.users().get(0);
      assertEquals(decimalHashKey(first), sent.explicitHashKey(), () -> "the KPL's outer key, " + sent);
      if (!sent.aggregated() && first.explicitHashKey() == null) {
        assertNull(record.explicitHashKey(), sent::toString);
        rawWithoutKey++;
      } else {
        assertEquals(sent.explicitHashKey(), record.explicitHashKey(), sent::toString);
      }
      assertEquals(shardOf(sent.explicitHashKey()), record.predictedShardId(), sent::toString);
      record.release();
    }
    assertTrue(rawWithoutKey >= 3, "too few lone records without an explicit hash key: " + rawWithoutKey);
  }

  /**
   * Each explicit hash key given to the KPL's addUserRecord: accepted and written as it was, or refused, by every
   * kpl-codec entry point; and {@link KplExplicitHashKeys}, the reference the other tests use, reads each as the KPL
   * did, message included.
   */
  @Test
  void everyEntryPointTreatsEachProbeAsTheKplDid() {
    ShardMap shards = evenShards();
    for (Probe probe : PROBES) {
      String given = probe.given();
      if (probe.written() != null) {
        assertEquals(probe.written(), KplExplicitHashKeys.asSent(given), "the reference, " + probe);
        AggregateEncoder encoder = new AggregateEncoder();
        encoder.add("k", given, new byte[1]);
        encoder.add("k", probe.written(), new byte[1]);
        assertEquals(1, explicitHashKeyTableSize(encoder), () -> "one table entry for " + probe);
        Aggregator aggregator = Aggregator.builder().build();
        aggregator.add("k", given, new byte[1]);
        assertEquals(probe.written(), aggregator.flush().get(0).explicitHashKey(), probe::toString);
        assertEquals(probe.written(), KinesisRecord.of("k", given, new byte[1]).explicitHashKey(), probe::toString);
        assertEquals(shardOf(probe.written()), shards.shardIdFor("k", given), probe::toString);
        assertTrue(HashKeyRange.all().contains(given), probe::toString);
      } else {
        assertEquals(probe.refusal(),
            assertThrows(IllegalArgumentException.class, () -> KplExplicitHashKeys.asSent(given)).getMessage(),
            () -> "the reference, " + probe);
        assertThrows(IllegalArgumentException.class, () -> new AggregateEncoder().add("k", given, new byte[1]),
            probe::toString);
        assertThrows(IllegalArgumentException.class, () -> new AggregateEncoder().sizeWith("k", given, 1),
            probe::toString);
        assertThrows(IllegalArgumentException.class, () -> Aggregator.builder().build().add("k", given, new byte[1]),
            probe::toString);
        assertThrows(IllegalArgumentException.class, () -> KinesisRecord.of("k", given, new byte[1]),
            probe::toString);
        assertThrows(IllegalArgumentException.class, () -> shards.shardIdFor("k", given), probe::toString);
      }
    }
    assertTrue(PROBES.size() >= 40, "too few probes: " + PROBES.size());
  }

  /** The file covers what issue 22 asks for; a regenerated file that did not would fail here. */
  @Test
  void theVectorsCoverTheCasesTheyAreFor() {
    Set<String> seen = new HashSet<>();
    int canonicalisedTables = 0;
    for (Sent sent : SENT) {
      Set<String> given = new HashSet<>();
      Set<String> canonical = new HashSet<>();
      for (User user : sent.users()) {
        String key = user.partitionKey();
        seen.add(key.length() == 256 ? "256-character partition key" : "shorter partition key");
        if (key.getBytes(StandardCharsets.UTF_8).length > key.length()) {
          seen.add("multi-byte partition key");
        }
        String explicitHashKey = user.explicitHashKey();
        if (explicitHashKey == null) {
          seen.add("no explicit hash key");
          continue;
        }
        String written = KplExplicitHashKeys.asSent(explicitHashKey);
        seen.add(written.equals(explicitHashKey) ? "canonical explicit hash key" : "non-canonical explicit hash key");
        if (written.equals("0") || written.equals(MAX.toString())) {
          seen.add("explicit hash key " + (written.equals("0") ? "0" : "2^128-1"));
        }
        given.add(explicitHashKey);
        canonical.add(written);
      }
      if (sent.aggregated()) {
        if (sent.users().stream().map(User::partitionKey).distinct().count() < sent.users().size()) {
          seen.add("repeated partition keys");
        }
        if (canonical.size() < given.size()) {
          canonicalisedTables++; // issue 22: a table a de-duplication by the text as given would make longer
        }
      } else {
        seen.add("lone record sent raw");
      }
    }
    for (String kind : List.of("256-character partition key", "multi-byte partition key", "no explicit hash key",
        "canonical explicit hash key", "non-canonical explicit hash key", "explicit hash key 0",
        "explicit hash key 2^128-1", "repeated partition keys", "lone record sent raw")) {
      assertTrue(seen.contains(kind), "no vector with a " + kind);
    }
    assertTrue(canonicalisedTables >= 50, "aggregates whose table canonicalising shortens: " + canonicalisedTables);
    assertTrue(PROBES.stream().anyMatch(p -> p.refusal() != null), "no refused probe");
    assertTrue(PROBES.stream().anyMatch(p -> p.written() != null), "no accepted probe");
  }

  /** The size of the explicit hash key table, from the encoded aggregate (protobuf-java parses it). */
  private static int explicitHashKeyTableSize(AggregateEncoder encoder) {
    try {
      return io.kplcodec.compat.proto.AggregatedRecordProtos.AggregatedRecord
          .parseFrom(ProtobufJavaCodec.messageOf(encoder.toByteArray())).getExplicitHashKeyTableCount();
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }

  /** A user record's hash key in decimal, with BigInteger: the KPL's rule for the explicit hash key, else MD5. */
  private static String decimalHashKey(User user) {
    if (user.explicitHashKey() != null) {
      return KplExplicitHashKeys.asSent(user.explicitHashKey());
    }
    try {
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      return new BigInteger(1, md5.digest(user.partitionKey().getBytes(StandardCharsets.UTF_8))).toString();
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static ShardMap evenShards() {
    ShardMap.Builder builder = ShardMap.builder();
    BigInteger width = SPACE.divide(BigInteger.valueOf(SHARDS));
    for (int i = 0; i < SHARDS; i++) {
      BigInteger start = width.multiply(BigInteger.valueOf(i));
      BigInteger end = i == SHARDS - 1 ? MAX : start.add(width).subtract(BigInteger.ONE);
      builder.add(shardId(i), start.toString(), end.toString());
    }
    return builder.build();
  }

  private static String shardOf(String decimalHashKey) {
    BigInteger width = SPACE.divide(BigInteger.valueOf(SHARDS));
    return shardId(new BigInteger(decimalHashKey).divide(width).min(BigInteger.valueOf(SHARDS - 1)).intValueExact());
  }

  private static String shardId(int i) {
    return String.format("shardId-%012d", i);
  }
}
