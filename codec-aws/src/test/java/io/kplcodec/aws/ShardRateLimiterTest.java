package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-shard rate limit alone, on a fake clock that starts on a tick. */
class ShardRateLimiterTest {
  private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long TICK = ShardRateLimiter.TICK_NANOS;
  private final AtomicLong now = new AtomicLong(10_000 * TICK);

  @Test
  void aShardTakesOneSecondsWorthOfRecordsThenWaitsForTheNextTickWithWhatItRefilled() {
    ShardRateLimiter limiter = new ShardRateLimiter(100, now::get);
    for (int i = 0; i < 1_000; i++) {
      assertTrue(limiter.tryTake("a", 10), "record " + i + " of the first second's 1,000");
    }
    assertFalse(limiter.tryTake("a", 10));
    assertEquals(TICK, limiter.nanosUntilNextRefusedFits(), "one record fits after 1 ms: it goes at the next tick");
    assertEquals(-1, limiter.nanosUntilNextRefusedFits(), "reset: nothing refused since");
    assertTrue(limiter.tryTake("b", 10), "another shard has its own buckets");
    now.addAndGet(50 * MILLI);
    assertFalse(limiter.tryTake("a", 10), "50 records' worth refilled, but held until the tick");
    assertEquals(TICK - 50 * MILLI, limiter.nanosUntilNextRefusedFits());
    now.addAndGet(TICK - 50 * MILLI);
    for (int i = 0; i < 100; i++) {
      assertTrue(limiter.tryTake("a", 10), "at the tick, the 100 records refilled meanwhile go together: " + i);
    }
    assertFalse(limiter.tryTake("a", 10));
  }

  @Test
  void bytesAreLimitedToo_andTheLimitScalesWithThePercentage() {
    ShardRateLimiter limiter = new ShardRateLimiter(150, now::get); // 1.5 MiB and 1,500 records a second
    assertTrue(limiter.tryTake("a", 1_000_000));
    assertFalse(limiter.tryTake("a", 1_000_000), "1.5 MiB a second: 572,864 bytes left");
    long fits = (long) Math.ceil((1_000_000 - (1.5 * (1 << 20) - 1_000_000)) / (1.5 * (1 << 20)) * 1e9); // 272 ms
    long wait = limiter.nanosUntilNextRefusedFits();
    assertEquals(3 * TICK, wait, "the first tick after it fits, at " + fits + " ns");
    now.addAndGet(wait - 1);
    assertFalse(limiter.tryTake("a", 1_000_000));
    now.addAndGet(1);
    assertTrue(limiter.tryTake("a", 1_000_000));
  }

  @Test
  void aRecordLargerThanAFullBucketGoesWhenTheBucketIsFullAndLeavesADebt() {
    ShardRateLimiter limiter = new ShardRateLimiter(50, now::get); // 512 KiB a second
    assertTrue(limiter.tryTake("a", 1_048_576), "over the bucket, but it is full: it must not wait forever");
    assertFalse(limiter.tryTake("a", 1), "a debt of 512 KiB: paid after one second, then it refills");
    assertEquals(11 * TICK, limiter.nanosUntilNextRefusedFits(), "1 s and a little: the eleventh tick");
    now.addAndGet(11 * TICK);
    assertTrue(limiter.tryTake("a", 1));
  }

  @Test
  void goneShardsAreForgotten() {
    ShardRateLimiter limiter = new ShardRateLimiter(100, now::get);
    for (int i = 0; i < 1_000; i++) {
      limiter.tryTake("parent", 10);
    }
    assertFalse(limiter.tryTake("parent", 10));
    limiter.retainShards(List.of("child"));
    assertTrue(limiter.tryTake("parent", 10), "a shard id seen again starts full");
  }
}
