package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The per-shard rate limit alone, on a fake clock. */
class ShardRateLimiterTest {
  private static final long MILLI = TimeUnit.MILLISECONDS.toNanos(1);
  private final AtomicLong now = new AtomicLong(1_000_000 * MILLI);

  @Test
  void aShardTakesOneSecondsWorthOfRecordsThenOneAtTheRate() {
    ShardRateLimiter limiter = new ShardRateLimiter(100, now::get);
    for (int i = 0; i < 1_000; i++) {
      assertTrue(limiter.tryTake("a", 10), "record " + i + " of the first second's 1,000");
    }
    assertFalse(limiter.tryTake("a", 10));
    assertEquals(1 * MILLI, limiter.nanosUntilNextRefusedFits(), "one record a millisecond at 1,000/s");
    assertEquals(-1, limiter.nanosUntilNextRefusedFits(), "reset: nothing refused since");
    assertTrue(limiter.tryTake("b", 10), "another shard has its own buckets");
    now.addAndGet(MILLI);
    assertTrue(limiter.tryTake("a", 10));
    assertFalse(limiter.tryTake("a", 10));
  }

  @Test
  void bytesAreLimitedToo_andTheLimitScalesWithThePercentage() {
    ShardRateLimiter limiter = new ShardRateLimiter(150, now::get); // 1.5 MiB and 1,500 records a second
    assertTrue(limiter.tryTake("a", 1_000_000));
    assertFalse(limiter.tryTake("a", 1_000_000), "1.5 MiB a second: 572,864 bytes left");
    long wait = limiter.nanosUntilNextRefusedFits();
    long expected = (long) Math.ceil((1_000_000 - (1.5 * (1 << 20) - 1_000_000)) / (1.5 * (1 << 20)) * 1e9);
    assertEquals(expected, wait, 1_000);
    now.addAndGet(wait);
    assertTrue(limiter.tryTake("a", 1_000_000));
  }

  @Test
  void aRecordLargerThanAFullBucketGoesWhenTheBucketIsFullAndLeavesADebt() {
    ShardRateLimiter limiter = new ShardRateLimiter(50, now::get); // 512 KiB a second
    assertTrue(limiter.tryTake("a", 1_048_576), "over the bucket, but it is full: it must not wait forever");
    assertFalse(limiter.tryTake("a", 1));
    now.addAndGet(TimeUnit.SECONDS.toNanos(1));
    assertFalse(limiter.tryTake("a", 1), "the debt of 512 KiB is paid after one second, then it refills");
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(10));
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
