package io.kplcodec.fuzz;

import io.kplcodec.compat.CompatRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Arbitrary user records ({@link CompatRecord}: partition key, optional explicit hash key, data) with the keys and
 * sizes that break naive codecs: keys a codec could reorder, trim or normalise, every UTF-8 length from 1 to 4
 * bytes and unpaired surrogates, data lengths around the varint boundaries, and lists whose keys repeat so the key
 * tables deduplicate.
 *
 * <p>Start from {@link #lists()} (or {@link #builder()} to tune it); every arbitrary here shrinks.
 */
public final class UserRecords {
  /** Keys that a codec ordering its tables numerically, trimming, normalising or mis-sizing would get wrong. */
  public static final List<String> TRICKY_KEYS = List.of(
      "0", "1", "2", "10", "100", "01", "-1", "1e3", "4294967296", "18446744073709551616", " 1", "1 ", "\u0000",
      "a\u0000b", "\u00E9", "e\u0301", "\u00DF", "\u041F\u0440\u0438\u0432\u0435\u0442", "\u4E2D\u6587\u952E",
      "\uFFFD", "\uFEFF", "\u0800", "\u07FF", "\u0080", "\u007F", "\uFFFF", "\uD83D\uDE00", "\uD800\uDC00",
      "\uDBFF\uDFFF", "a\uD83D\uDE00b", "\uD800", "\uDC00", "a\uD83D", "\uDE00b", "\uDE00\uD83D", "?",
      "\uD83D\uD83D\uDE00", "340282366920938463463374607431768211455", "k".repeat(256), "\u00E9".repeat(256),
      "\uD83D\uDE00".repeat(128), "\u4E2D".repeat(256));

  private UserRecords() {}

  /** Partition keys as the service accepts them: 1 to 256 UTF-16 units, any content. */
  public static Arbitrary<String> partitionKeys() {
    return Arbitraries.<String>frequencyOf(
        Tuple.of(3, Arbitraries.of(TRICKY_KEYS)),
        Tuple.of(2, Arbitraries.integers().between(0, 999).map(String::valueOf)),
        Tuple.of(3, Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(24)),
        Tuple.of(3, mixedText(1, 16)),
        Tuple.of(1, mixedText(200, 256)));
  }

  /** Text of {@code min..max} UTF-16 units mixing 1- to 4-byte UTF-8 characters and unpaired surrogates. */
  public static Arbitrary<String> mixedText(int min, int max) {
    Arbitrary<String> oneByte = Arbitraries.chars().range('\u0000', '\u007F').map(String::valueOf);
    Arbitrary<String> twoBytes = Arbitraries.chars().range('\u0080', '\u07FF').map(String::valueOf);
    Arbitrary<String> threeBytes = Arbitraries.chars().range('\u0800', '\uFFFF')
        .filter(c -> !Character.isSurrogate(c)).map(String::valueOf);
    Arbitrary<String> fourBytes = Arbitraries.integers().between(0x10000, 0x10FFFF).map(Character::toString);
    Arbitrary<String> lone = Arbitraries.chars().range('\uD800', '\uDFFF').map(String::valueOf);
    Arbitrary<String> character = Arbitraries.<String>frequencyOf(Tuple.of(4, oneByte), Tuple.of(2, twoBytes),
        Tuple.of(2, threeBytes), Tuple.of(2, fourBytes), Tuple.of(1, lone));
    return character.list().ofMinSize(min).ofMaxSize(max).map(parts -> {
      StringBuilder s = new StringBuilder();
      for (String p : parts) {
        if (s.length() + p.length() > max) {
          break;
        }
        s.append(p);
      }
      while (s.length() < min) {
        s.append('x');
      }
      return s.toString();
    });
  }

  /** Data of 0 to {@code maxLength} bytes, biased to empty, tiny, and the varint length boundaries. */
  public static Arbitrary<byte[]> data(int maxLength) {
    Arbitrary<Integer> length = Arbitraries.<Integer>frequencyOf(
        Tuple.of(2, Arbitraries.just(0)),
        Tuple.of(10, Arbitraries.integers().between(0, Math.min(16, maxLength))),
        Tuple.of(4, Arbitraries.integers().between(0, Math.min(300, maxLength))),
        Tuple.of(2, boundaries(maxLength)),
        Tuple.of(1, Arbitraries.integers().between(0, maxLength)));
    // Perf: bytes from a seeded generator, not one shrinkable per byte; the length still shrinks, and the seed.
    return Combinators.combine(length, Arbitraries.longs()).as(UserRecords::bytes);
  }

  /** {@code length} pseudo-random bytes from {@code seed}; every fourth seed gives a run of one repeated byte. */
  static byte[] bytes(int length, long seed) {
    byte[] b = new byte[length];
    if ((seed & 3) == 0) {
      java.util.Arrays.fill(b, (byte) (seed >>> 8));
    } else {
      new java.util.SplittableRandom(seed).nextBytes(b);
    }
    return b;
  }

  /** Data lengths where the length varint grows (127/128, 16383/16384), up to {@code maxLength}. */
  private static Arbitrary<Integer> boundaries(int maxLength) {
    List<Integer> lengths = new ArrayList<>();
    for (int n : new int[] {127, 128, 129, 16383, 16384, 16385}) {
      if (n <= maxLength) {
        lengths.add(n);
      }
    }
    return lengths.isEmpty() ? Arbitraries.just(maxLength) : Arbitraries.of(lengths);
  }

  /** A builder for lists of user records; the defaults suit round trips through any codec. */
  public static ListBuilder builder() {
    return new ListBuilder();
  }

  /** Lists of up to 40 user records, data up to 70,000 bytes, explicit hash keys absent, present or mixed. */
  public static Arbitrary<List<CompatRecord>> lists() {
    return builder().build();
  }

  /** What a key reads back as after kpl-codec or protobuf-java wrote it: an unpaired surrogate becomes '?'. */
  public static String asWritten(String key) {
    return key == null ? null : new String(key.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }

  /** What the records read back as after encoding. */
  public static List<CompatRecord> asWritten(List<CompatRecord> records) {
    List<CompatRecord> out = new ArrayList<>(records.size());
    for (CompatRecord r : records) {
      out.add(new CompatRecord(asWritten(r.partitionKey()), asWritten(r.explicitHashKey()), r.data()));
    }
    return out;
  }

  /** Configures {@link #lists()}. Not thread-safe. */
  public static final class ListBuilder {
    private int minRecords = 0;
    private int maxRecords = 40;
    private int maxDataLength = 70_000;
    private boolean anyExplicitHashKeyText;
    private boolean givenExplicitHashKeys;
    private Arbitrary<String> partitionKeys = UserRecords.partitionKeys();

    private ListBuilder() {}

    /** Between {@code min} and {@code max} user records per list. */
    public ListBuilder records(int min, int max) {
      this.minRecords = min;
      this.maxRecords = max;
      return this;
    }

    /** Data of at most this many bytes per user record. */
    public ListBuilder maxDataLength(int bytes) {
      this.maxDataLength = bytes;
      return this;
    }

    /**
     * Explicit hash keys of any text, not only valid hash keys (the wire format does not restrict them; an
     * {@code Aggregator} and KCL do).
     */
    public ListBuilder anyExplicitHashKeyText() {
      this.anyExplicitHashKeyText = true;
      return this;
    }

    /**
     * Valid explicit hash keys in any form the KPL accepts ({@link HashKeys#givenExplicitHashKeys()}): input for a
     * producer, which writes them canonically (issue 22).
     */
    public ListBuilder givenExplicitHashKeys() {
      this.givenExplicitHashKeys = true;
      return this;
    }

    /** Partition keys from this arbitrary (default {@link UserRecords#partitionKeys()}). */
    public ListBuilder partitionKeys(Arbitrary<String> keys) {
      this.partitionKeys = keys;
      return this;
    }

    public Arbitrary<List<CompatRecord>> build() {
      Arbitrary<String> explicitHashKeys = anyExplicitHashKeyText
          ? Arbitraries.<String>frequencyOf(Tuple.of(3, HashKeys.explicitHashKeys()), Tuple.of(1, partitionKeys),
              Tuple.of(1, HashKeys.hashKeyLikeText()))
          : givenExplicitHashKeys ? HashKeys.givenExplicitHashKeys()
          : HashKeys.explicitHashKeys();
      // Small pools of keys, so that tables deduplicate; explicit hash keys absent, present, or mixed per list.
      Arbitrary<List<String>> keyPool = partitionKeys.list().ofMinSize(1).ofMaxSize(8);
      Arbitrary<List<String>> explicitHashKeyPool = explicitHashKeys.list().ofMinSize(1).ofMaxSize(4);
      Arbitrary<Integer> explicitHashKeyPercent = Arbitraries.of(0, 100, 50, 10);
      Arbitrary<byte[]> data = data(maxDataLength);
      int min = minRecords;
      int max = maxRecords;
      return Combinators.combine(keyPool, explicitHashKeyPool, explicitHashKeyPercent).flatAs(
          (keys, explicitKeys, percent) -> {
            Arbitrary<String> ehk = percent == 0 ? Arbitraries.just(null)
                : percent == 100 ? Arbitraries.of(explicitKeys)
                : Arbitraries.of(explicitKeys).injectNull(1 - percent / 100.0);
            return Combinators.combine(Arbitraries.of(keys), ehk, data).as(CompatRecord::new)
                .list().ofMinSize(min).ofMaxSize(max)
                .withSizeDistribution(net.jqwik.api.RandomDistribution.uniform());
          });
    }
  }
}
