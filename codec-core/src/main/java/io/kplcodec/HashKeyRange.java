package io.kplcodec;

import io.kplcodec.internal.HashKey;
import java.util.Objects;

/**
 * A closed range {@code [startingHashKey, endingHashKey]} of 128-bit Kinesis hash keys, as ListShards reports a
 * shard's range. Immutable and thread-safe.
 */
public final class HashKeyRange {
  private static final HashKeyRange ALL =
      of("0", "340282366920938463463374607431768211455");

  private final String startingHashKey;
  private final String endingHashKey;
  final long startHigh;
  final long startLow;
  final long endHigh;
  final long endLow;

  private HashKeyRange(String startingHashKey, String endingHashKey, HashKey start, HashKey end) {
    this.startingHashKey = startingHashKey;
    this.endingHashKey = endingHashKey;
    this.startHigh = start.high();
    this.startLow = start.low();
    this.endHigh = end.high();
    this.endLow = end.low();
  }

  /**
   * The range from {@code startingHashKey} to {@code endingHashKey}, both included.
   *
   * @param startingHashKey canonical decimal in 0..2^128-1, {@code 0|[1-9][0-9]{0,38}}, as ListShards writes it
   * @param endingHashKey canonical decimal in 0..2^128-1, not below the start
   * @throws IllegalArgumentException if a bound is not a canonical decimal hash key, or the range is empty (bounds
   *     are not canonicalised: ranges compare equal by their text, and the service writes only the canonical form)
   * @return the range
   * @throws NullPointerException if a bound is null
   */
  public static HashKeyRange of(String startingHashKey, String endingHashKey) {
    Objects.requireNonNull(startingHashKey, "startingHashKey");
    Objects.requireNonNull(endingHashKey, "endingHashKey");
    HashKey start = new HashKey().parse(startingHashKey, "Starting hash key");
    HashKey end = new HashKey().parse(endingHashKey, "Ending hash key");
    if (HashKey.compare(start.high(), start.low(), end.high(), end.low()) > 0) {
      throw new IllegalArgumentException(
          "Starting hash key " + startingHashKey + " is above ending hash key " + endingHashKey);
    }
    return new HashKeyRange(startingHashKey, endingHashKey, start, end);
  }

  /**
   * The whole hash key space, 0..2^128-1: what a stream with one shard covers.
   *
   * @return the range from 0 to 340282366920938463463374607431768211455
   */
  public static HashKeyRange all() {
    return ALL;
  }

  /**
   * The first hash key in the range (decimal).
   *
   * @return the starting hash key as given to {@link #of}, canonical decimal
   */
  public String startingHashKey() {
    return startingHashKey;
  }

  /**
   * The last hash key in the range (decimal).
   *
   * @return the ending hash key as given to {@link #of}, canonical decimal
   */
  public String endingHashKey() {
    return endingHashKey;
  }

  /**
   * Whether the range holds {@code hashKey}, a decimal in 0..2^128-1 in any form an explicit hash key may be given
   * in (see {@link AggregateEncoder}: surrounding whitespace, a sign, leading zeros).
   *
   * @param hashKey the hash key, not null
   * @return true if the hash key lies between the bounds, both included
   * @throws IllegalArgumentException if {@code hashKey} is not a decimal integer in 0..2^128-1
   */
  public boolean contains(String hashKey) {
    HashKey key = new HashKey().parseExplicitHashKey(hashKey);
    return contains(key.high(), key.low());
  }

  /**
   * Whether the range holds the hash key of a user record with this partition key and explicit hash key (the
   * explicit hash key if present, else the MD5 of the partition key), that is, whether Kinesis would put it here.
   * The explicit hash key may be in any form the KPL accepts (see {@link AggregateEncoder}).
   *
   * @param partitionKey the user record's partition key; hashed only when there is no explicit hash key
   * @param explicitHashKey its explicit hash key, or null
   * @return true if the record's hash key lies between the bounds, both included
   * @throws IllegalArgumentException if the explicit hash key is not a decimal integer in 0..2^128-1
   */
  public boolean containsRecord(String partitionKey, String explicitHashKey) {
    HashKey key = HashKey.ofRecord(partitionKey, explicitHashKey);
    return contains(key.high(), key.low());
  }

  boolean contains(long high, long low) {
    return HashKey.compare(high, low, startHigh, startLow) >= 0 && HashKey.compare(high, low, endHigh, endLow) <= 0;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HashKeyRange
        && startingHashKey.equals(((HashKeyRange) o).startingHashKey)
        && endingHashKey.equals(((HashKeyRange) o).endingHashKey);
  }

  @Override
  public int hashCode() {
    return startingHashKey.hashCode() * 31 + endingHashKey.hashCode();
  }

  @Override
  public String toString() {
    return "[" + startingHashKey + ", " + endingHashKey + "]";
  }
}
