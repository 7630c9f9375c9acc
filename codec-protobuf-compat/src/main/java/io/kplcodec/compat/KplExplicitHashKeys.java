package io.kplcodec.compat;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * The real KPL's reading of an explicit hash key, the reference kpl-codec is held to. KPL 0.15.12's {@code
 * addUserRecord} does {@code new BigInteger(explicitHashKey.trim())}, refuses a value outside 0..2^128-1 with an
 * {@code IllegalArgumentException}, and hands its daemon {@code toString()}: the daemon aggregates, de-duplicates and
 * sends only that canonical form. Written here with {@code BigInteger} as the KPL writes it (checked against the
 * real KPL by {@code KplVectorsTest}'s captured probes).
 */
public final class KplExplicitHashKeys {
  private static final BigInteger MAX = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

  private KplExplicitHashKeys() {}

  /**
   * The explicit hash key as the KPL sends and writes it, or null for null.
   *
   * @throws IllegalArgumentException where the KPL's addUserRecord throws it
   */
  public static String asSent(String explicitHashKey) {
    if (explicitHashKey == null) {
      return null;
    }
    String trimmed = explicitHashKey.trim(); // the KPL's messages show the text trimmed
    BigInteger value;
    try {
      value = new BigInteger(trimmed);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("Invalid explicitHashKey, must be an integer, got " + trimmed);
    }
    if (value.signum() < 0 || value.compareTo(MAX) > 0) {
      throw new IllegalArgumentException("Invalid explicitHashKey, must be greater or equal to zero and less than or "
          + "equal to (2^128 - 1), got " + trimmed);
    }
    return value.toString();
  }

  /** Whether the KPL accepts the explicit hash key (null, for none, included). */
  public static boolean accepts(String explicitHashKey) {
    try {
      asSent(explicitHashKey);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Whether the KPL accepts every record's explicit hash key. */
  public static boolean acceptsAll(List<CompatRecord> records) {
    return records.stream().allMatch(r -> accepts(r.explicitHashKey()));
  }

  /**
   * The records with their explicit hash keys as the KPL writes them, for a reference encoder (protobuf-java writes
   * any text as given).
   *
   * @throws IllegalArgumentException if the KPL refuses one
   */
  public static List<CompatRecord> asSent(List<CompatRecord> records) {
    List<CompatRecord> out = new ArrayList<>(records.size());
    for (CompatRecord r : records) {
      out.add(new CompatRecord(r.partitionKey(), asSent(r.explicitHashKey()), r.data()));
    }
    return out;
  }
}
