package io.kplcodec.aws;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * The producer's one lock, its one thread, and the futures completed once the lock is released.
 *
 * <p>One lock, because an answer from Kinesis moves a user record between the parts in one step (out of the send
 * queue, into a retry, back into an aggregate, or to its outcome) and each move must be seen whole. Waiting for room
 * ({@link Admission}) happens before it and callbacks run after it, so the lock is held only for bookkeeping. Every
 * step ends with the producer's after-step action (sending what can go now), and user callbacks and SDK calls
 * deferred by the step run once the lock is released, on the thread that ran the step.
 *
 * <p>Thread-safe.
 */
final class ProducerLock {
  private static final System.Logger LOG = System.getLogger(ProducerLock.class.getName());

  private final ReentrantLock lock = new ReentrantLock();
  /** Futures to complete and calls to make once the lock is released, in order. Guarded by lock. */
  private final List<Runnable> deferred = new ArrayList<>();
  private final ScheduledExecutorService scheduler;
  /** The scheduler's thread: it handles answers, so it must never wait for them. */
  private volatile Thread thread;
  private Runnable afterStep = () -> { };
  /** After {@link #stopNow}: steps still due (timers, answers) are dropped. */
  private volatile boolean stopped;

  ProducerLock(String threadName) {
    this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread created = new Thread(runnable, threadName);
      created.setDaemon(true);
      thread = created;
      return created;
    });
  }

  /** What every step does last, under the lock (set once, while wiring the parts). */
  void afterEachStep(Runnable action) {
    this.afterStep = action;
  }

  /** Runs a step under the lock, then the after-step action, then what the step deferred, unlocked. */
  void run(Runnable step) {
    call(() -> {
      step.run();
      return null;
    });
  }

  /** As {@link #run}, returning the step's result. An exception skips the after-step action, not the deferred. */
  <T> T call(Supplier<T> step) {
    lock.lock();
    try {
      T result = step.get();
      if (!stopped) {
        afterStep.run(); // never a new call once stopped
      }
      return result;
    } finally {
      unlockAndRunDeferred();
    }
  }

  /** Reads under the lock, with no after-step action. */
  <T> T read(Supplier<T> read) {
    lock.lock();
    try {
      return read.get();
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code step} once the lock is released (a future to complete, an SDK call to make). Under the lock only. */
  void defer(Runnable step) {
    deferred.add(step);
  }

  /** Runs a step on the producer's thread after a delay; null, and never, once the producer is closed. */
  ScheduledFuture<?> later(long delayNanos, Runnable step) {
    try {
      return scheduler.schedule(() -> runUnlessStopped(step), delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closed) {
      return null; // a timer set while closing: every record is complete by then, so it has nothing to do
    }
  }

  /** Runs a step on the producer's thread when {@code future} completes, with its result or error. */
  <T> void whenComplete(CompletableFuture<T> future, BiConsumer<T, Throwable> step) {
    future.whenCompleteAsync((result, error) -> runUnlessStopped(() -> step.accept(result, error)), scheduler);
  }

  /**
   * A step of the producer's own (a timer, an answer): dropped once stopped, as what it would do is void. Nothing
   * catches what it throws on the producer's thread, so a bug there is logged, loudly, and what can go is still sent.
   */
  private void runUnlessStopped(Runnable step) {
    lock.lock();
    try {
      if (!stopped) {
        try {
          step.run();
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.ERROR, "kpl-codec producer: a step failed, which is a bug; records it was "
              + "handling may never complete", e);
        }
        afterStep.run();
      }
    } finally {
      unlockAndRunDeferred();
    }
  }

  boolean onProducerThread() {
    return Thread.currentThread() == thread;
  }

  void shutdown() {
    scheduler.shutdown();
  }

  /** Drops every step still due and stops the thread at once. Under the lock, so no step runs after it. */
  void stopNow() {
    stopped = true;
    scheduler.shutdownNow();
  }

  private void unlockAndRunDeferred() {
    List<Runnable> toRun = null;
    if (!deferred.isEmpty() && lock.getHoldCount() == 1) {
      toRun = new ArrayList<>(deferred);
      deferred.clear();
    }
    lock.unlock();
    if (toRun != null) {
      RuntimeException first = null;
      for (Runnable step : toRun) {
        try {
          step.run(); // each: one failing must not keep the others' futures from completing
        } catch (RuntimeException e) {
          if (first == null) {
            first = e;
          } else {
            first.addSuppressed(e);
          }
        }
      }
      if (first != null) {
        throw first;
      }
    }
  }
}
