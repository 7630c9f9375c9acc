package io.kplcodec.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ProducerLock} alone: deferred steps run once the outermost holder unlocks, in order; the after-step action
 * follows every step but a read or a failed step; timed and completion steps run on the producer's thread, locked.
 */
@Timeout(10)
class ProducerLockTest {
  private final ProducerLock lock = new ProducerLock("producer-lock-test");
  private final List<String> log = new CopyOnWriteArrayList<>();

  @AfterEach
  void shutdown() {
    lock.shutdown();
  }

  /**
   * "unlocked" if another thread takes the lock within {@code millis}, else "locked": a step holds it. Short when a
   * step should hold it (load can only make that pass), long when none should.
   */
  private String lockState(long millis) {
    CompletableFuture<Boolean> other =
        CompletableFuture.supplyAsync(() -> lock.read(() -> true), command -> new Thread(command).start());
    try {
      return other.get(millis, TimeUnit.MILLISECONDS) ? "unlocked" : "?";
    } catch (TimeoutException e) {
      return "locked";
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void deferredStepsRunAfterUnlockInOrder() {
    lock.run(() -> {
      lock.defer(() -> log.add("first " + lockState(2_000)));
      lock.defer(() -> log.add("second " + lockState(2_000)));
      log.add("step");
    });
    assertEquals(List.of("step", "first unlocked", "second unlocked"), log);
  }

  @Test
  void onlyTheOutermostHolderRunsTheDeferredSteps() {
    String result = lock.call(() -> {
      lock.run(() -> lock.defer(() -> log.add("inner")));
      assertEquals(List.of(), log, "the nested step's deferred step waits for the outer one");
      lock.defer(() -> log.add("outer"));
      return "done";
    });
    assertEquals("done", result);
    assertEquals(List.of("inner", "outer"), log);
  }

  @Test
  void theAfterStepActionFollowsEveryRunAndCallButNotARead() {
    lock.afterEachStep(() -> log.add("after"));
    lock.run(() -> {
      log.add("run");
      lock.defer(() -> log.add("deferred"));
    });
    assertEquals(7, lock.call(() -> 7));
    assertEquals("read", lock.read(() -> "read"));
    assertEquals(List.of("run", "after", "deferred", "after"), log, "locked work first, then what was deferred");
  }

  @Test
  void aFailedStepSkipsTheAfterStepActionButNotItsDeferredSteps() {
    lock.afterEachStep(() -> log.add("after"));
    IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> lock.run(() -> {
      lock.defer(() -> log.add("deferred"));
      throw new IllegalStateException("step failed");
    }));
    assertEquals("step failed", thrown.getMessage());
    assertEquals(List.of("deferred"), log);
    lock.run(() -> log.add("next")); // the lock was released
    assertEquals(List.of("deferred", "next", "after"), log);
  }

  @Test
  void laterRunsAStepOnTheProducerThreadUnderTheLock() throws Exception {
    assertFalse(lock.onProducerThread());
    lock.afterEachStep(() -> log.add("after"));
    lock.later(TimeUnit.MILLISECONDS.toNanos(1),
        () -> log.add("later " + lock.onProducerThread() + " " + lockState(100)));
    awaitLog("after");
    assertEquals(List.of("later true locked", "after"), log, "a step like any other, on the producer's thread");
  }

  @Test
  void whenCompleteRunsTheStepOnTheProducerThreadUnderTheLockWithTheResultOrError() throws Exception {
    CompletableFuture<String> answer = new CompletableFuture<>();
    CompletableFuture<String> failed = new CompletableFuture<>();
    lock.whenComplete(answer, (result, error) -> log.add(result + " " + error + " " + lock.onProducerThread()
        + " " + lockState(100)));
    lock.whenComplete(failed, (result, error) -> log.add(result + " " + error.getMessage() + " "
        + lock.onProducerThread() + " " + lockState(100)));
    answer.complete("ok");
    failed.completeExceptionally(new IllegalStateException("no"));
    awaitLog("null no true locked");
    assertTrue(log.contains("ok null true locked"), log.toString());
  }

  private void awaitLog(String entry) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!log.contains(entry)) {
      assertTrue(System.nanoTime() < deadline, "never logged " + entry + ": " + log);
      Thread.sleep(5);
    }
  }
}
