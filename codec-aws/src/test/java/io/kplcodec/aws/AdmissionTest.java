package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.aws.KinesisProducerException.Reason;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Admission and backpressure alone, with a fake clock. */
@Timeout(10)
class AdmissionTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private final AtomicLong now = new AtomicLong(1_000 * SECOND);

  @Test
  void oneRecordIsAlwaysAcceptedWhenNothingIsOutstandingHoweverLarge() {
    Admission admission = new Admission(1_000, SECOND, 100, now::get);
    assertNull(admission.tryAcquire(5_000, 4_800));
    assertEquals(Reason.BUFFER_FULL, admission.tryAcquire(1, 1));
  }

  @Test
  void memoryLimitCountsEveryRecordsCostUntilReleased() {
    Admission admission = new Admission(1_000, 10 * SECOND, 1_000_000, now::get);
    assertNull(admission.tryAcquire(400, 200));
    assertNull(admission.tryAcquire(600, 400));
    assertEquals(Reason.BUFFER_FULL, admission.tryAcquire(1, 1), "1,000 of 1,000 bytes used");
    admission.release(400, 200, true);
    assertEquals(600, admission.usedCost());
    assertNull(admission.tryAcquire(400, 200));
  }

  @Test
  void withNothingPutYetOnlyTheFloorIsQueued() {
    Admission admission = new Admission(1L << 30, 3 * SECOND, 1_000, now::get);
    assertNull(admission.tryAcquire(700, 500));
    assertNull(admission.tryAcquire(700, 500));
    assertEquals(Reason.QUEUE_TOO_LONG, admission.tryAcquire(700, 500), "the floor of 1,000 bytes is queued");
  }

  @Test
  void theQueueMayHoldWhatTheDrainRateSendsInTheMaxQueueTime() {
    Admission admission = new Admission(1L << 30, 3 * SECOND, 1_000, now::get);
    // 10,000 bytes put per second for two seconds: a queue of 30,000 bytes drains in 3 s.
    for (int i = 0; i < 20; i++) {
      assertNull(admission.tryAcquire(1_000, 1_000));
      now.addAndGet(SECOND / 10);
      admission.release(1_000, 1_000, true);
    }
    // The window is whole 250 ms buckets: the oldest one or two puts may have left it (9,000 to 10,000 bytes/s).
    assertEquals(9_500, admission.drainRate(), 500);
    int admitted = 0;
    while (admission.tryAcquire(1_100, 1_000) == null) {
      admitted++;
    }
    assertTrue(admitted >= 27 && admitted <= 30, "3 s of queue at 9,000-10,000 bytes/s: " + admitted);
    assertEquals(Reason.QUEUE_TOO_LONG, admission.tryAcquire(1_100, 1_000));
  }

  @Test
  void anOutageStopsAdmissionOnceTheWindowHoldsNoPuts() {
    Admission admission = new Admission(1L << 30, 3 * SECOND, 1_000, now::get);
    for (int i = 0; i < 20; i++) {
      admission.tryAcquire(1_000, 1_000);
      now.addAndGet(SECOND / 10);
      admission.release(1_000, 1_000, true);
    }
    assertNull(admission.tryAcquire(10_000, 10_000));
    now.addAndGet(Admission.WINDOW_NANOS + 1); // nothing put for a whole window
    assertEquals(0.0, admission.drainRate());
    assertEquals(Reason.QUEUE_TOO_LONG, admission.tryAcquire(100, 100));
    admission.release(10_000, 10_000, false); // failed, not put: the rate stays 0, but the queue is empty
    assertNull(admission.tryAcquire(100, 100));
  }

  @Test
  void acquireBlocksUntilARelease() throws Exception {
    Admission admission = new Admission(1_000, 10 * SECOND, 1_000_000, now::get);
    assertNull(admission.tryAcquire(1_000, 800));
    CompletableFuture<Reason> blocked = acquireAsync(admission, 500, 400, 60 * SECOND);
    Thread.sleep(100);
    assertTrue(!blocked.isDone(), "waits for room");
    now.addAndGet(2 * SECOND);
    admission.release(1_000, 800, true);
    assertNull(blocked.get(5, TimeUnit.SECONDS));
    assertEquals(500, admission.usedCost());
    assertTrue(admission.longestBlockNanos() >= 2 * SECOND, "the fake clock moved 2 s while it waited");
  }

  @Test
  void oneReleaseLetsInEveryWaiterThatFitsAndNoMore() throws Exception {
    Admission admission = new Admission(1_000, 10 * SECOND, 1_000_000, now::get);
    assertNull(admission.tryAcquire(1_000, 800));
    java.util.List<CompletableFuture<Reason>> waiting = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      waiting.add(acquireAsync(admission, 300, 10, 60 * SECOND));
    }
    Thread.sleep(100);
    admission.release(1_000, 800, true); // room for three of the four
    int admitted = 0;
    for (int attempt = 0; attempt < 500 && admitted < 3; attempt++) {
      Thread.sleep(10);
      admitted = (int) waiting.stream().filter(CompletableFuture::isDone).count();
    }
    assertEquals(3, admitted, "each one admitted lets the next look");
    Thread.sleep(100);
    assertEquals(3, waiting.stream().filter(CompletableFuture::isDone).count(), "the fourth does not fit");
    assertEquals(900, admission.usedCost());
    admission.release(300, 10, true);
    for (CompletableFuture<Reason> each : waiting) {
      assertNull(each.get(5, TimeUnit.SECONDS));
    }
    assertEquals(900, admission.usedCost());
  }

  @Test
  void acquireGivesUpAfterTheMaxBlockTimeSayingWhy() throws Exception {
    Admission admission = new Admission(1_000, 10 * SECOND, 1_000_000, now::get);
    assertNull(admission.tryAcquire(1_000, 800));
    CompletableFuture<Reason> blocked = acquireAsync(admission, 500, 400, 5 * SECOND);
    Thread.sleep(100);
    now.addAndGet(5 * SECOND);
    assertEquals(Reason.BUFFER_FULL, blocked.get(5, TimeUnit.SECONDS));
    assertEquals(1_000, admission.usedCost(), "took nothing");
  }

  @Test
  void closeWakesAWaiterWithoutTakingAnything() throws Exception {
    Admission admission = new Admission(1_000, 10 * SECOND, 1_000_000, now::get);
    assertNull(admission.tryAcquire(1_000, 800));
    CompletableFuture<Reason> blocked = acquireAsync(admission, 500, 400, 60 * SECOND);
    Thread.sleep(100);
    admission.close();
    java.util.concurrent.ExecutionException e =
        org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
            () -> blocked.get(5, TimeUnit.SECONDS));
    org.junit.jupiter.api.Assertions.assertInstanceOf(IllegalStateException.class, e.getCause());
    assertTrue(admission.isClosed());
    assertEquals(1_000, admission.usedCost(), "took nothing");
    org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> admission.tryAcquire(1, 1));
    admission.release(1_000, 800, false);
    assertEquals(0, admission.usedCost());
  }

  /** {@code admission.acquire(...)} on another thread, as an adding thread would call it. */
  private static CompletableFuture<Reason> acquireAsync(Admission admission, long cost, long bytes, long maxBlockNanos) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return admission.acquire(cost, bytes, maxBlockNanos);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
  }
}
