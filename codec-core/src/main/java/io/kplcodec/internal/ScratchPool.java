package io.kplcodec.internal;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * A small lock-free pool of reusable scratch objects, shared by all threads. Unlike a {@code ThreadLocal}, reuse does
 * not depend on thread identity: a fresh (virtual) thread per request takes scratch another one gave back, instead
 * of building its own. Taking and giving back allocate nothing; when the pool is empty a new object is made, and
 * when it is full a given-back object is dropped, so it never holds more than its slots.
 *
 * <p>Thread-safe.
 *
 * @param <T> the kind of scratch object; each one is used by one thread at a time
 */
public final class ScratchPool<T> {
  private final AtomicReferenceArray<T> slots;
  private final Supplier<T> factory;

  /**
   * A pool of up to {@code size} idle objects, made by {@code factory} when none is idle.
   *
   * @param size the most idle objects kept, at least 1
   * @param factory makes a new object when {@link #take} finds none idle; called on the taking thread
   */
  public ScratchPool(int size, Supplier<T> factory) {
    this.slots = new AtomicReferenceArray<>(size);
    this.factory = factory;
  }

  /**
   * Slots for as many idle objects as twice the cores, at least eight: more than can be busy at once.
   *
   * @param <T> the kind of scratch object
   * @param factory makes a new object when {@link #take} finds none idle
   * @return a new, empty pool
   */
  public static <T> ScratchPool<T> perCore(Supplier<T> factory) {
    return new ScratchPool<>(Math.max(8, 2 * Runtime.getRuntime().availableProcessors()), factory);
  }

  /**
   * An idle object, or a new one; the caller owns it until it gives it back.
   *
   * @return an object no other thread holds, in whatever state its last user left it
   */
  public T take() {
    int n = slots.length();
    int start = probeStart(n);
    for (int i = 0; i < n; i++) {
      int slot = (start + i) % n;
      T idle = slots.get(slot);
      if (idle != null && slots.compareAndSet(slot, idle, null)) {
        return idle;
      }
    }
    return factory.get();
  }

  /**
   * Gives an object back; the caller must not use it afterwards.
   *
   * @param object the object taken; dropped if every slot is full
   */
  public void giveBack(T object) {
    int n = slots.length();
    int start = probeStart(n);
    for (int i = 0; i < n; i++) {
      int slot = (start + i) % n;
      if (slots.get(slot) == null && slots.compareAndSet(slot, null, object)) {
        return;
      }
    }
  }

  /** Where a thread starts looking, spread so that threads on many cores rarely meet on one slot. */
  @SuppressWarnings("deprecation") // Thread.getId(): threadId() is Java 19+, and codec-core runs on Java 11
  private static int probeStart(int n) {
    return (int) ((Thread.currentThread().getId() * 0x9E3779B97F4A7C15L) >>> 33) % n;
  }
}
