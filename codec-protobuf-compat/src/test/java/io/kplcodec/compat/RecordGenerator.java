package io.kplcodec.compat;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

/** Random user records with the keys and sizes that break naive codecs. */
final class RecordGenerator {
  static final BigInteger MAX_HASH_KEY = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

  /** Keys that a codec ordering its tables numerically, or trimming, or normalising, would get wrong. */
  static final String[] TRICKY_KEYS = {
      "0", "1", "2", "10", "100", "01", "-1", "1e3", "4294967296", "18446744073709551616", " 1", "1 ", "",
      "\u0000", "a\u0000b", "é", "e\u0301", "ß", "Привет", "中文键", "\uFFFD", "\uFEFF", "\u0800", "\uFFFF",
      "😀", "𐀀", "\uDBFF\uDFFF", "a😀b", "\uD800", "\uDC00", "a\uD83D", "\uDE00b", "\uDE00\uD83D", "?",
      "\uD83D\uD83D\uDE00", "340282366920938463463374607431768211455"};

  /**
   * Explicit hash keys that are not canonical decimals in 0..2^128-1, some of which Java's BigInteger (and so KCL)
   * reads as numbers anyway: signs, leading zeros, non-ASCII digits, values out of range.
   */
  static final String[] TRICKY_EXPLICIT_HASH_KEYS = {"-1", "-0", "+5", "007", "340282366920938463463374607431768211456",
      "99999999999999999999999999999999999999999", "\u0663", "1e3", " 1", "", "0x10", "18446744073709551616"};

  private final Random random;
  /** Whether explicit hash keys are always valid decimal hash keys (KCL needs that) or any text. */
  private final boolean anyExplicitHashKeyText;
  /** Whether data stays short: a decoder's logic is in the structure, and small inputs mutate densely. */
  private boolean smallData;
  /** Whether valid explicit hash keys are sometimes given in the other forms the KPL accepts ("+7", "007"). */
  private boolean kplForms;

  RecordGenerator(Random random, boolean anyExplicitHashKeyText) {
    this.random = random;
    this.anyExplicitHashKeyText = anyExplicitHashKeyText;
  }

  /**
   * Gives valid explicit hash keys sometimes in a non-canonical form the KPL accepts (leading zeros, a sign,
   * surrounding whitespace, non-ASCII digits), which it writes canonically (issue 22): input for encoders, compared
   * with a reference given {@link KplExplicitHashKeys#asSent(List)}.
   */
  RecordGenerator kplForms() {
    this.kplForms = true;
    return this;
  }

  /** Keeps data short from now on. */
  RecordGenerator smallData() {
    this.smallData = true;
    return this;
  }

  /** A list of {@code count} records drawing keys from small pools, so that tables dedupe. */
  List<CompatRecord> records(int count) {
    List<String> partitionKeyPool = new ArrayList<>();
    int poolSize = 1 + random.nextInt(Math.max(1, random.nextBoolean() ? count : 8));
    for (int i = 0; i < poolSize; i++) {
      partitionKeyPool.add(key());
    }
    List<String> explicitHashKeyPool = new ArrayList<>();
    int ehkPoolSize = 1 + random.nextInt(Math.max(1, random.nextBoolean() ? count : 4));
    for (int i = 0; i < ehkPoolSize; i++) {
      explicitHashKeyPool.add(explicitHashKey());
    }
    // Absent, present or mixed explicit hash keys, per aggregate.
    int ehkPercent = new int[] {0, 100, 50, 10}[random.nextInt(4)];
    List<CompatRecord> records = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String partitionKey = partitionKeyPool.get(random.nextInt(partitionKeyPool.size()));
      String explicitHashKey = random.nextInt(100) < ehkPercent
          ? explicitHashKeyPool.get(random.nextInt(explicitHashKeyPool.size()))
          : null;
      records.add(new CompatRecord(partitionKey, explicitHashKey, data(dataLength())));
    }
    return records;
  }

  /** A partition key: tricky, ASCII, or a random mix of 1- to 4-byte characters and unpaired surrogates. */
  String key() {
    switch (random.nextInt(6)) {
      case 0:
        return TRICKY_KEYS[random.nextInt(TRICKY_KEYS.length)];
      case 1:
        return Integer.toString(random.nextInt(1000));
      case 2: {
        StringBuilder s = new StringBuilder();
        int n = 1 + random.nextInt(random.nextInt(10) == 0 ? 256 : 24);
        for (int i = 0; i < n; i++) {
          s.append((char) ('!' + random.nextInt(94)));
        }
        return s.toString();
      }
      default: {
        StringBuilder s = new StringBuilder();
        int n = 1 + random.nextInt(random.nextInt(10) == 0 ? 256 : 12);
        for (int i = 0; i < n; i++) {
          appendCharacter(s);
        }
        return s.toString();
      }
    }
  }

  private void appendCharacter(StringBuilder s) {
    switch (random.nextInt(7)) {
      case 0:
        s.append((char) random.nextInt(0x80));
        break;
      case 1:
        s.append((char) (0x80 + random.nextInt(0x800 - 0x80)));
        break;
      case 2: {
        char c;
        do {
          c = (char) (0x800 + random.nextInt(0x10000 - 0x800));
        } while (Character.isSurrogate(c));
        s.append(c);
        break;
      }
      case 3:
        s.appendCodePoint(0x10000 + random.nextInt(0x110000 - 0x10000));
        break;
      case 4: // an unpaired surrogate, high or low
        s.append((char) (0xD800 + random.nextInt(0x800)));
        break;
      default:
        s.append((char) ('a' + random.nextInt(26)));
    }
  }

  /** An explicit hash key: a valid decimal hash key, or (if allowed) any text or a non-canonical form. */
  String explicitHashKey() {
    if (anyExplicitHashKeyText && random.nextInt(4) == 0) {
      return random.nextBoolean() ? key() : TRICKY_EXPLICIT_HASH_KEYS[random.nextInt(TRICKY_EXPLICIT_HASH_KEYS.length)];
    }
    if (kplForms && random.nextInt(4) == 0) {
      String canonical = validExplicitHashKey();
      switch (random.nextInt(5)) {
        case 0:
          return "0".repeat(1 + random.nextInt(random.nextBoolean() ? 3 : 45)) + canonical;
        case 1:
          return "+" + canonical;
        case 2:
          return canonical.equals("0") ? "-0" : "+0" + canonical;
        case 3:
          return " " + canonical + (random.nextBoolean() ? "\n" : "\t");
        default: // Arabic-Indic digits: BigInteger reads them, and so the KPL
          return canonical.chars().mapToObj(c -> String.valueOf((char) (c - '0' + '\u0660')))
              .collect(Collectors.joining());
      }
    }
    return validExplicitHashKey();
  }

  /** A canonical decimal hash key, biased to the edges. */
  private String validExplicitHashKey() {
    switch (random.nextInt(8)) {
      case 0:
        return "0";
      case 1:
        return MAX_HASH_KEY.toString();
      case 2:
        return Integer.toString(random.nextInt(1000));
      default:
        return new BigInteger(128, random).toString();
    }
  }

  int dataLength() {
    if (smallData) {
      return random.nextInt(8) == 0 ? random.nextInt(300) : random.nextInt(6);
    }
    switch (random.nextInt(20)) {
      case 0:
        return 0;
      case 1:
        return 127 + random.nextInt(3);
      case 2:
        return 16383 + random.nextInt(3);
      case 3:
        return random.nextInt(70_000);
      default:
        return random.nextInt(random.nextBoolean() ? 16 : 300);
    }
  }

  byte[] data(int length) {
    byte[] data = new byte[length];
    random.nextBytes(data);
    return data;
  }

  /** What a key reads back as after protobuf-java (and kpl-codec) wrote it: unpaired surrogates become '?'. */
  static String asWritten(String key) {
    return key == null ? null : new String(key.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }

  /** What the records read back as. */
  static List<CompatRecord> asWritten(List<CompatRecord> records) {
    List<CompatRecord> out = new ArrayList<>(records.size());
    for (CompatRecord r : records) {
      out.add(new CompatRecord(asWritten(r.partitionKey()), asWritten(r.explicitHashKey()), r.data()));
    }
    return out;
  }
}
