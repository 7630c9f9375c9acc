package io.kplcodec.aws;

import static io.kplcodec.aws.ProducerParts.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Where a record's future completes: what its failure says, with a fake clock. */
class PendingRecordTest {
  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @Test
  void aRecordThatExpiredInTheQueueSaysHowLongItWaitedThere() {
    PendingRecord pending = new PendingRecord("k", null, 10, 210, 100 * SECOND, 30 * SECOND);
    assertFalse(pending.expired(129 * SECOND));
    assertTrue(pending.expired(130 * SECOND));
    pending.expire(131 * SECOND, TIMEOUT).run();
    KinesisProducerException e = failure(pending);
    assertEquals(KinesisProducerException.Reason.RECORD_TIMEOUT, e.reason());
    assertFalse(e.mayHaveBeenStored());
    assertTrue(e.attemptErrors().isEmpty());
    assertEquals("Not put within the record timeout of PT30S (31000 ms since add): waited 31000 ms in the queue and "
        + "was never sent (not in the stream: no attempt stored it)", e.getMessage());
  }

  @Test
  void aRecordThatExpiredAfterAttemptsListsEveryErrorAndTheQueueWait() {
    PendingRecord pending = new PendingRecord("k", null, 10, 210, 100 * SECOND, 30 * SECOND);
    pending.sending(112 * SECOND);
    pending.sending(120 * SECOND); // a retry: the first send stays the one that ended the queue wait
    RuntimeException timeout = new RuntimeException("timed out");
    RuntimeException throttled = new RuntimeException("throttled");
    pending.attemptFailed(timeout, true);
    pending.attempts++;
    pending.attemptFailed(throttled, false);
    pending.expire(131 * SECOND, TIMEOUT).run();
    KinesisProducerException e = failure(pending);
    assertTrue(e.mayHaveBeenStored(), "the first attempt's outcome is unknown, whatever the last says");
    assertEquals(java.util.List.of(timeout, throttled), e.attemptErrors());
    assertSame(throttled, e.getCause());
    assertEquals("Not put within the record timeout of PT30S (31000 ms since add): waited 12000 ms in the queue "
        + "before its first send, then 2 attempt(s); errors: [1] java.lang.RuntimeException: timed out, [2] "
        + "java.lang.RuntimeException: throttled (may already be in the stream: an attempt's outcome is unknown)",
        e.getMessage());
  }

  @Test
  void aRefusalForGoodKeepsTheFlagOfEarlierAttempts() {
    PendingRecord pending = new PendingRecord("k", null, 10, 210, 0, 30 * SECOND);
    pending.attemptFailed(new RuntimeException("reset"), true);
    pending.fail(KinesisProducerException.Reason.NOT_RETRYABLE, "refused", null).run();
    KinesisProducerException e = failure(pending);
    assertEquals(KinesisProducerException.Reason.NOT_RETRYABLE, e.reason());
    assertTrue(e.mayHaveBeenStored());
    assertEquals(1, e.attemptErrors().size());
  }
}
