package io.kplcodec;

import static io.kplcodec.WireVectorsTest.assertDecodes;
import static io.kplcodec.WireVectorsTest.assertHexEquals;
import static io.kplcodec.WireVectorsTest.assertPassesThrough;
import static io.kplcodec.WireVectorsTest.remaining;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.WireVectorsTest.Expected;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Seeded random aggregates: the size the encoder predicts before each add is its size after it and the final
 * encoded length; the bytes are those of an independent reference encoder written here from the format's
 * definition; and decoding gives back every user record, with keys as the KPL would write them.
 */
class EncoderRoundTripTest {
  record In(String partitionKey, String explicitHashKey, byte[] data) {}

  @ParameterizedTest
  @EnumSource(BufferKind.class)
  void randomAggregatesRoundTrip(BufferKind kind) {
    Random random = new Random(0x6b706c2d636f6465L);
    AggregateEncoder encoder = new AggregateEncoder(); // reused across aggregates, as in steady state
    BufferPool pool = BufferPool.heap();
    int userRecords = 0;
    int aggregates = 150;
    for (int a = 0; a < aggregates; a++) {
      List<In> inputs = randomAggregate(random, a);
      for (In in : inputs) {
        long before = encoder.size();
        long predicted = encoder.sizeWith(in.partitionKey(), in.explicitHashKey(), in.data().length);
        add(encoder, in, random);
        assertEquals(predicted, encoder.size(), "sizeWith before the add vs size after it, aggregate " + a);
        assertTrue(predicted > before);
      }
      assertEquals(inputs.size(), encoder.userRecordCount());

      byte[] encoded = encoder.toByteArray();
      assertEquals(encoder.size(), encoded.length, "aggregate " + a);
      assertHexEquals(referenceEncoding(inputs), encoded);
      ByteBuffer pooled = encoder.encode(pool);
      assertHexEquals(encoded, remaining(pooled));
      pool.release(pooled);

      if (inputs.isEmpty()) {
        // magic + MD5 of nothing: 20 bytes, which KCL (and we) treat as not aggregated.
        assertEquals(20, encoded.length);
        assertPassesThrough(Deaggregator.create(), kind, encoded, Classification.NOT_AGGREGATED, "empty aggregate");
      } else {
        List<Expected> expected = new ArrayList<>();
        for (In in : inputs) {
          expected.add(new Expected(asProtobufJavaWritesIt(in.partitionKey()), asTheKplSendsIt(in.explicitHashKey()),
              in.data()));
        }
        assertDecodes(Deaggregator.create(), kind, encoded, expected, "aggregate " + a);
      }
      userRecords += inputs.size();
      encoder.reset();
      assertEquals(20, encoder.size());
    }
    assertTrue(userRecords > 2000, "too few user records: " + userRecords);
  }

  /** Adds through one of the overloads at random: they must all copy the same bytes. */
  private static void add(AggregateEncoder encoder, In in, Random random) {
    byte[] data = in.data();
    switch (random.nextInt(5)) {
      case 0:
        encoder.add(in.partitionKey(), in.explicitHashKey(), data);
        break;
      case 1: {
        byte[] padded = new byte[data.length + 7];
        random.nextBytes(padded);
        System.arraycopy(data, 0, padded, 3, data.length);
        encoder.add(in.partitionKey(), in.explicitHashKey(), padded, 3, data.length);
        break;
      }
      case 2: {
        byte[] padded = new byte[data.length + 7];
        random.nextBytes(padded);
        System.arraycopy(data, 0, padded, 4, data.length);
        encoder.add(in.partitionKey(), in.explicitHashKey(), ByteBuffer.wrap(padded, 4, data.length));
        break;
      }
      case 3: {
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length + 2);
        direct.put((byte) 1).put(data).put((byte) 2);
        direct.limit(1 + data.length).position(1);
        encoder.add(in.partitionKey(), in.explicitHashKey(), direct);
        assertEquals(1, direct.position());
        break;
      }
      default:
        encoder.add(in.partitionKey(), in.explicitHashKey(), ByteBuffer.wrap(data).asReadOnlyBuffer());
    }
  }

  private static List<In> randomAggregate(Random random, int a) {
    int n;
    switch (a % 15) {
      case 0:
        n = 0;
        break;
      case 1:
        n = 129 + random.nextInt(200); // indexes of two-byte varints, tables that grow
        break;
      default:
        n = 1 + random.nextInt(30);
    }
    // Fewer distinct keys than records: duplicates.
    List<String> partitionKeys = new ArrayList<>();
    for (int i = 1 + random.nextInt(n + 1); i > 0; i--) {
      partitionKeys.add(randomKey(random));
    }
    List<String> explicitHashKeys = new ArrayList<>();
    for (int i = 1 + random.nextInt(n + 1); i > 0; i--) {
      explicitHashKeys.add(randomExplicitHashKey(random));
    }
    int explicitHashKeyMode = random.nextInt(3); // none, all, mixed
    List<In> inputs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String partitionKey = partitionKeys.get(random.nextInt(partitionKeys.size()));
      boolean withExplicitHashKey = explicitHashKeyMode == 1 || (explicitHashKeyMode == 2 && random.nextBoolean());
      String explicitHashKey =
          withExplicitHashKey ? explicitHashKeys.get(random.nextInt(explicitHashKeys.size())) : null;
      int r = random.nextInt(100);
      int length = r < 70 ? random.nextInt(41) : r < 95 ? random.nextInt(401) : random.nextInt(3001);
      byte[] data = new byte[length];
      random.nextBytes(data);
      // A fresh String object now and then: deduplication is by equals, not identity.
      inputs.add(new In(random.nextInt(4) == 0 ? new String(partitionKey) : partitionKey, explicitHashKey, data));
    }
    return inputs;
  }

  static String randomKey(Random random) {
    StringBuilder key = new StringBuilder();
    switch (random.nextInt(9)) {
      case 0:
        return "user-" + random.nextInt(1000);
      case 1: // integer-looking keys: one awslabs encoder reordered its tables for these
        return random.nextBoolean() ? Integer.toString(random.nextInt(200)) : "00" + random.nextInt(10);
      case 2: // two-byte UTF-8
        for (int i = 1 + random.nextInt(20); i > 0; i--) {
          key.append((char) (0x80 + random.nextInt(0x800 - 0x80)));
        }
        return key.toString();
      case 3: // three-byte UTF-8
        for (int i = 1 + random.nextInt(20); i > 0; i--) {
          key.append(threeByteChar(random));
        }
        return key.toString();
      case 4: // four-byte UTF-8: emoji and other supplementary characters
        for (int i = 1 + random.nextInt(10); i > 0; i--) {
          key.appendCodePoint(random.nextBoolean() ? 0x1F600 + random.nextInt(80) : 0x10000 + random.nextInt(0x100000));
        }
        return key.toString();
      case 5: // an unpaired surrogate somewhere: protobuf-java writes '?'
        key.append("k").append(random.nextInt(100));
        key.insert(random.nextInt(key.length() + 1), (char) (0xD800 + random.nextInt(0x800)));
        return key.toString();
      case 6: // 256 characters, the longest partition key
        for (int i = 0; i < 256; i++) {
          key.append(anyChar(random));
        }
        return key.toString();
      default:
        for (int i = random.nextInt(30); i > 0; i--) {
          key.append(anyChar(random));
        }
        return key.toString();
    }
  }

  private static String randomExplicitHashKey(Random random) {
    switch (random.nextInt(6)) {
      case 0:
        return Integer.toString(random.nextInt(1000));
      case 1: { // a form the KPL accepts but never writes (issue 22): written canonically, one table entry per value
        BigInteger value = new BigInteger(random.nextInt(129), random);
        switch (random.nextInt(4)) {
          case 0:
            return "0".repeat(1 + random.nextInt(45)) + value;
          case 1:
            return "+" + value;
          case 2:
            return " " + value + "\n";
          default:
            return value.signum() == 0 ? "-0" : "+00" + value;
        }
      }
      default:
        return new BigInteger(1 + random.nextInt(128), random).toString();
    }
  }

  private static char threeByteChar(Random random) {
    char c;
    do {
      c = (char) (0x800 + random.nextInt(0x10000 - 0x800));
    } while (Character.isSurrogate(c));
    return c;
  }

  private static char anyChar(Random random) {
    switch (random.nextInt(5)) {
      case 0:
        return (char) random.nextInt(0x80);
      case 1:
        return (char) (0x80 + random.nextInt(0x780));
      case 2:
        return threeByteChar(random);
      default:
        return (char) random.nextInt(0x10000); // surrogates included, paired or not as luck has it
    }
  }

  /** The explicit hash key the KPL hands its daemon, which writes it: {@code new BigInteger(key.trim()).toString()}. */
  static String asTheKplSendsIt(String explicitHashKey) {
    return explicitHashKey == null ? null : new BigInteger(explicitHashKey.trim()).toString();
  }

  /** protobuf-java writes strings with {@code String.getBytes(UTF_8)} semantics: an unpaired surrogate is '?'. */
  private static String asProtobufJavaWritesIt(String s) {
    return s == null ? null : new String(s.getBytes(UTF_8), UTF_8);
  }

  /**
   * The aggregated record as the KPL would write it, from the format's definition: the partition key table, the
   * explicit hash key table (both deduplicated by equals, in first-use order; explicit hash keys canonical first),
   * then the records.
   */
  static byte[] referenceEncoding(List<In> inputs) {
    Map<String, Integer> partitionKeys = new LinkedHashMap<>();
    Map<String, Integer> explicitHashKeys = new LinkedHashMap<>();
    ByteArrayOutputStream records = new ByteArrayOutputStream();
    for (In in : inputs) {
      int partitionKeyIndex = partitionKeys.computeIfAbsent(in.partitionKey(), k -> partitionKeys.size());
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      body.write(0x08);
      varint(body, partitionKeyIndex);
      if (in.explicitHashKey() != null) {
        int explicitHashKeyIndex =
            explicitHashKeys.computeIfAbsent(asTheKplSendsIt(in.explicitHashKey()), k -> explicitHashKeys.size());
        body.write(0x10);
        varint(body, explicitHashKeyIndex);
      }
      body.write(0x1a);
      varint(body, in.data().length);
      body.writeBytes(in.data());
      records.write(0x1a);
      varint(records, body.size());
      records.writeBytes(body.toByteArray());
    }
    ByteArrayOutputStream protobuf = new ByteArrayOutputStream();
    for (String key : partitionKeys.keySet()) {
      byte[] utf8 = key.getBytes(UTF_8);
      protobuf.write(0x0a);
      varint(protobuf, utf8.length);
      protobuf.writeBytes(utf8);
    }
    for (String key : explicitHashKeys.keySet()) {
      byte[] utf8 = key.getBytes(UTF_8);
      protobuf.write(0x12);
      varint(protobuf, utf8.length);
      protobuf.writeBytes(utf8);
    }
    protobuf.writeBytes(records.toByteArray());
    return WireVectorsTest.frame(protobuf.toByteArray());
  }

  private static void varint(ByteArrayOutputStream out, long value) {
    while ((value & ~0x7FL) != 0) {
      out.write((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
  }
}
