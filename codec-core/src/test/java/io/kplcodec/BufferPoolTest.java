package io.kplcodec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BufferPoolTest {
  private static BufferPool pool(boolean direct) {
    return direct ? BufferPool.direct() : BufferPool.heap();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void acquireGivesAnEmptyBufferOfTheRequestedSize(boolean direct) {
    BufferPool pool = pool(direct);
    assertEquals(direct, pool.isDirect());
    for (int size : new int[] {0, 1, 1000, 1024, 1025, 100_000, 10 << 20}) {
      ByteBuffer buffer = pool.acquire(size);
      assertEquals(0, buffer.position());
      assertEquals(size, buffer.limit());
      assertTrue(buffer.capacity() >= size);
      assertEquals(direct, buffer.isDirect());
      assertFalse(buffer.isReadOnly());
    }
    assertThrows(IllegalArgumentException.class, () -> pool.acquire(-1));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void releasedBufferIsReusedAndComesBackCleared(boolean direct) {
    BufferPool pool = pool(direct);
    ByteBuffer first = pool.acquire(1000);
    first.put(0, (byte) 42).position(500).limit(700);
    pool.release(first);
    assertEquals(first.capacity(), pool.retainedBytes());
    ByteBuffer again = pool.acquire(900); // same size class
    assertNotSame(first, again, "every acquisition is a new buffer object");
    assertEquals(42, again.get(0), "over the same memory");
    assertEquals(0, again.position());
    assertEquals(900, again.limit());
    assertEquals(0, pool.retainedBytes());
    assertDisjoint(again, pool.acquire(900), "a buffer is handed out once");
  }

  @Test
  void foreignReadOnlyAndOtherKindBuffersAreRefused() {
    BufferPool heap = BufferPool.heap();
    BufferPool direct = BufferPool.direct();
    ByteBuffer heapBuffer = heap.acquire(2000);
    ByteBuffer directBuffer = direct.acquire(2000);

    assertEquals("Cannot release a direct buffer to a heap pool",
        assertThrows(IllegalArgumentException.class, () -> heap.release(directBuffer)).getMessage());
    assertEquals("Cannot release a heap buffer to a direct pool",
        assertThrows(IllegalArgumentException.class, () -> direct.release(heapBuffer)).getMessage());
    for (ByteBuffer foreign : List.of(heapBuffer.asReadOnlyBuffer(), ByteBuffer.allocate(1000),
        ByteBuffer.allocate(100), ByteBuffer.allocate(32 << 20), heap.acquire(2000).asReadOnlyBuffer())) {
      assertEquals("Cannot release a buffer that is not one this pool handed out (a foreign buffer, or a duplicate, "
          + "slice or read-only view of a pooled one) or that was already released",
          assertThrows(IllegalArgumentException.class, () -> heap.release(foreign)).getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> direct.release(directBuffer.asReadOnlyBuffer()));
    assertThrows(IllegalArgumentException.class, () -> direct.release(heap.acquire(2000)), "another pool's");
    assertThrows(IllegalArgumentException.class, () -> heap.release(BufferPool.heap().acquire(2000)));
    assertEquals(0, heap.retainedBytes());
    assertEquals(0, direct.retainedBytes());
    heap.release(heapBuffer);
    direct.release(directBuffer);
    assertEquals(2048, heap.retainedBytes(), "still acquired: was never released");
    assertEquals(2048, direct.retainedBytes());
  }

  // Issue 15: the pool took back buffers it never handed out, so one memory went to two owners.

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void viewsOfAPooledBufferAreRefused(boolean direct) {
    BufferPool pool = pool(direct);
    ByteBuffer buffer = pool.acquire(2000);
    for (ByteBuffer view : List.of(buffer.duplicate(), buffer.slice(), buffer.position(10).slice(),
        buffer.asReadOnlyBuffer())) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.release(view));
      assertTrue(e.getMessage().contains("not one this pool handed out"), e.getMessage());
    }
    assertEquals(0, pool.retainedBytes());
    assertDisjoint(buffer, pool.acquire(2000), "a refused view must not put its memory back in the pool");
    pool.release(buffer); // the buffer itself is still accepted, once
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void foreignBuffersOfASizeClassCapacityAreRefused(boolean direct) {
    BufferPool pool = pool(direct);
    byte[] callers = new byte[2048];
    for (ByteBuffer foreign : List.of(ByteBuffer.wrap(callers), ByteBuffer.allocate(1024),
        ByteBuffer.allocateDirect(2048), ByteBuffer.allocateDirect(1 << 20))) {
      assertThrows(IllegalArgumentException.class, () -> pool.release(foreign), foreign.toString());
    }
    assertEquals(0, pool.retainedBytes());
    ByteBuffer acquired = pool.acquire(2000);
    assertFalse(acquired.hasArray() && acquired.array() == callers, "the caller's own array was handed out");
    assertThrows(NullPointerException.class, () -> pool.release(null));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void doubleReleaseIsRefused(boolean direct) {
    BufferPool pool = pool(direct);
    ByteBuffer buffer = pool.acquire(3000);
    pool.release(buffer);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.release(buffer));
    assertTrue(e.getMessage().contains("already released"), e.getMessage());
    assertEquals(4096, pool.retainedBytes(), "counted once");
    assertDisjoint(pool.acquire(3000), pool.acquire(3000), "one buffer must never go to two owners");
  }

  /** ABA: a stale release after the same memory went to a new owner must not take it from that owner. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void staleReleaseAfterReacquireIsRefused(boolean direct) {
    BufferPool pool = pool(direct);
    ByteBuffer first = pool.acquire(3000);
    pool.release(first);
    ByteBuffer second = pool.acquire(3000); // the same memory, now someone else's
    assertThrows(IllegalArgumentException.class, () -> pool.release(first));
    assertEquals(0, pool.retainedBytes());
    assertDisjoint(second, pool.acquire(3000), "the stale release handed the new owner's memory out again");
    pool.release(second);
    assertEquals(4096, pool.retainedBytes());
  }

  /** The pool tracks what it handed out weakly: a buffer never released is collected, memory and all. */
  @Test
  void anUnreleasedBufferIsGarbageCollectedMemoryAndAll() throws InterruptedException {
    BufferPool pool = BufferPool.heap();
    ByteBuffer buffer = pool.acquire(1 << 20);
    WeakReference<ByteBuffer> view = new WeakReference<>(buffer);
    WeakReference<byte[]> memory = new WeakReference<>(buffer.array());
    buffer = null;
    for (int i = 0; i < 100 && (view.get() != null || memory.get() != null); i++) {
      System.gc();
      Thread.sleep(10);
    }
    assertNull(view.get(), "the pool keeps an unreleased buffer alive");
    assertNull(memory.get(), "the pool keeps an unreleased buffer's memory alive");
    for (int i = 0; i < 10_000; i++) {
      pool.acquire(10);
    }
    int outstanding = outstandingLeases(pool);
    for (int i = 0; i < 100 && outstanding > 1; i++) {
      System.gc();
      Thread.sleep(10);
      pool.acquire(10); // removes the leases of collected buffers
      outstanding = outstandingLeases(pool);
    }
    assertTrue(outstanding <= 1, "leases of collected buffers pile up: " + outstanding);
    assertEquals(0, pool.retainedBytes());
  }

  /** The size of the pool's private table of leases. */
  private static int outstandingLeases(BufferPool pool) {
    try {
      Field leasesField = BufferPool.class.getDeclaredField("leases");
      leasesField.setAccessible(true);
      Object leases = leasesField.get(pool);
      Field size = leases.getClass().getDeclaredField("size");
      size.setAccessible(true);
      synchronized (pool) {
        return size.getInt(leases);
      }
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  /** Fills both buffers (whole capacity) with different bytes and checks neither overwrote the other. */
  static void assertDisjoint(ByteBuffer a, ByteBuffer b, String message) {
    fill(a, (byte) 0x5a);
    fill(b, (byte) 0xa5);
    for (int i = 0; i < a.capacity(); i++) {
      assertEquals((byte) 0x5a, a.get(i), message);
    }
  }

  private static void fill(ByteBuffer buffer, byte value) {
    buffer.clear();
    for (int i = 0; i < buffer.capacity(); i++) {
      buffer.put(i, value);
    }
  }

  @Test
  void requestsBeyondTheLargestClassAreServedButNotPooled() {
    BufferPool pool = BufferPool.heap(Long.MAX_VALUE);
    ByteBuffer big = pool.acquire((16 << 20) + 1);
    assertEquals((16 << 20) + 1, big.limit());
    pool.release(big);
    assertEquals(0, pool.retainedBytes());
  }

  @Test
  void retainedBytesNeverExceedTheBound() {
    BufferPool pool = BufferPool.heap(4096);
    List<ByteBuffer> buffers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      buffers.add(pool.acquire(2048));
    }
    for (ByteBuffer buffer : buffers) {
      pool.release(buffer);
      assertTrue(pool.retainedBytes() <= 4096, "retained " + pool.retainedBytes());
    }
    assertEquals(4096, pool.retainedBytes());
    ByteBuffer big = pool.acquire(3000); // 4096-byte class: does not fit beside 4096 retained bytes
    pool.release(big);
    assertEquals(4096, pool.retainedBytes());

    BufferPool none = BufferPool.heap(0);
    none.release(none.acquire(10));
    assertEquals(0, none.retainedBytes());
    assertThrows(IllegalArgumentException.class, () -> BufferPool.heap(-1));
    assertThrows(IllegalArgumentException.class, () -> BufferPool.direct(-1));
  }

  @Test
  void defaultPoolRetainsAtMost64MebibytesInManyClasses() {
    BufferPool pool = BufferPool.heap();
    List<ByteBuffer> buffers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      buffers.add(pool.acquire(4 << 20));
    }
    buffers.forEach(pool::release);
    assertTrue(pool.retainedBytes() <= 64L << 20, "retained " + pool.retainedBytes());
    assertTrue(pool.retainedBytes() > 0);
  }

  /** Several threads acquire, fill, check and release; no buffer is ever held by two of them at once. */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void concurrentUseNeverSharesABuffer(boolean direct) throws Exception {
    BufferPool pool = direct ? BufferPool.direct(1 << 20) : BufferPool.heap(1 << 20);
    Set<ByteBuffer> held = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService executor = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        byte id = (byte) (t + 1);
        futures.add(executor.submit(() -> {
          Random random = new Random(id);
          byte[] stamp = new byte[9000];
          Arrays.fill(stamp, id);
          byte[] scratch = new byte[9000];
          List<ByteBuffer> mine = new ArrayList<>();
          start.await();
          for (int i = 0; i < 20_000; i++) {
            if (mine.size() < 4 && (mine.isEmpty() || random.nextBoolean())) {
              ByteBuffer buffer = pool.acquire(random.nextInt(9000));
              assertTrue(held.add(buffer), "a buffer was handed to two owners");
              buffer.put(stamp, 0, buffer.remaining());
              mine.add(buffer);
            } else {
              ByteBuffer buffer = mine.remove(random.nextInt(mine.size()));
              int length = buffer.limit();
              buffer.flip().get(scratch, 0, length);
              if (Arrays.mismatch(scratch, 0, length, stamp, 0, length) >= 0) {
                throw new AssertionError("another thread wrote into a buffer it did not own");
              }
              held.remove(buffer);
              pool.release(buffer);
            }
          }
          return null;
        }));
      }
      start.countDown();
      for (Future<?> future : futures) {
        future.get(20, TimeUnit.SECONDS);
      }
    } finally {
      executor.shutdownNow();
    }
    assertTrue(pool.retainedBytes() <= 1 << 20);
    assertTrue(pool.retainedBytes() >= 0);
  }
}
