package io.kplcodec.aws;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Holds a hot shard back before Kinesis throttles it, as the KPL's {@code RateLimit} does: per shard, a token
 * bucket of Kinesis records (1,000 a second at 100%) and one of bytes (1 MiB a second at 100%, data plus partition
 * key), each holding at most one second's worth and refilled continuously at the configured percentage of the
 * service's limits. A shard held back goes again at the first tick ({@link #TICK_NANOS}) at which it has room, so
 * that what waited goes out together. A record whose bytes exceed a full bucket may still go once the bucket is full
 * (it leaves a debt), so nothing waits forever. Not thread-safe: the producer calls it under its lock.
 */
final class ShardRateLimiter {
  static final long SHARD_RECORDS_PER_SECOND = 1_000;
  static final long SHARD_BYTES_PER_SECOND = 1L << 20;
  private static final double NANOS_PER_SECOND = TimeUnit.SECONDS.toNanos(1);
  /**
   * A shard held back goes again only at the next tick of this length, with what its buckets refilled meanwhile:
   * records released the moment a single one fits would go in a PutRecords call each (measured: 1,363 calls for
   * 10^6 records of 100 bytes on 4 shards, 2.4 times the CPU); released together, they share calls.
   */
  static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final double recordsPerNano;
  private final double bytesPerNano;
  private final double maxRecords;
  private final double maxBytes;
  private final LongSupplier clock;
  private final Map<String, Bucket> buckets = new HashMap<>();
  /** Since the last {@link #nanosUntilNextRefusedFits}: the shortest wait of a refused record; MAX_VALUE if none. */
  private long shortestWaitNanos = Long.MAX_VALUE;

  private static final class Bucket {
    double records;
    double bytes;
    long refilledNanos;
    /** Held back until then (a tick), whatever its buckets hold. */
    long heldUntilNanos;
  }

  /**
   * @param percent the share of a shard's limits allowed, as the KPL's {@code RateLimit} (150 by default there)
   */
  ShardRateLimiter(int percent, LongSupplier clock) {
    this.maxRecords = SHARD_RECORDS_PER_SECOND * percent / 100.0;
    this.maxBytes = SHARD_BYTES_PER_SECOND * percent / 100.0;
    this.recordsPerNano = maxRecords / NANOS_PER_SECOND;
    this.bytesPerNano = maxBytes / NANOS_PER_SECOND;
    this.clock = clock;
  }

  /** Takes one record of {@code bytes} from the shard's buckets if it may go now; else notes how long it must wait. */
  boolean tryTake(String shardId, long bytes) {
    long now = clock.getAsLong();
    Bucket bucket = buckets.computeIfAbsent(shardId, id -> {
      Bucket full = new Bucket();
      full.records = maxRecords;
      full.bytes = maxBytes;
      full.refilledNanos = now;
      return full;
    });
    long elapsed = now - bucket.refilledNanos;
    if (elapsed > 0) {
      bucket.records = Math.min(maxRecords, bucket.records + elapsed * recordsPerNano);
      bucket.bytes = Math.min(maxBytes, bucket.bytes + elapsed * bytesPerNano);
      bucket.refilledNanos = now;
    }
    if (now - bucket.heldUntilNanos < 0) {
      shortestWaitNanos = Math.min(shortestWaitNanos, bucket.heldUntilNanos - now);
      return false;
    }
    double bytesNeeded = Math.min(bytes, maxBytes);
    if (bucket.records >= 1 && bucket.bytes >= bytesNeeded) {
      bucket.records -= 1;
      bucket.bytes -= bytes;
      return true;
    }
    double wait = Math.max((1 - bucket.records) / recordsPerNano, (bytesNeeded - bucket.bytes) / bytesPerNano);
    long fits = now + (long) Math.ceil(wait);
    bucket.heldUntilNanos = Math.floorDiv(fits + TICK_NANOS - 1, TICK_NANOS) * TICK_NANOS; // the tick after it fits
    shortestWaitNanos = Math.min(shortestWaitNanos, bucket.heldUntilNanos - now);
    return false;
  }

  /** The limiter's clock. */
  long now() {
    return clock.getAsLong();
  }

  /** Until when a shard {@link #tryTake} refused is held back (its next tick with room). */
  long heldUntilNanos(String shardId) {
    return buckets.get(shardId).heldUntilNanos;
  }

  /** A record held back earlier still waits this long: {@link #nanosUntilNextRefusedFits} counts it. */
  void refused(long waitNanos) {
    shortestWaitNanos = Math.min(shortestWaitNanos, waitNanos);
  }

  /**
   * How long until the soonest of the records refused since the last call may go (at the tick after its buckets hold
   * enough, at least 1 ms from now); -1 if none was refused. Resets.
   */
  long nanosUntilNextRefusedFits() {
    long wait = shortestWaitNanos;
    shortestWaitNanos = Long.MAX_VALUE;
    return wait == Long.MAX_VALUE ? -1 : Math.max(wait, TimeUnit.MILLISECONDS.toNanos(1));
  }

  /** Drops the buckets of shards that are gone (after a reshard): a new shard starts full. */
  void retainShards(java.util.Collection<String> openShardIds) {
    buckets.keySet().retainAll(openShardIds);
  }
}
