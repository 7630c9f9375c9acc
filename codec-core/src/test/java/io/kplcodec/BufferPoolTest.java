package io.kplcodec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    first.position(500).limit(700);
    pool.release(first);
    assertEquals(first.capacity(), pool.retainedBytes());
    ByteBuffer again = pool.acquire(900); // same size class
    assertSame(first, again);
    assertEquals(0, again.position());
    assertEquals(900, again.limit());
    assertEquals(0, pool.retainedBytes());
    assertNotSame(again, pool.acquire(900), "a buffer is handed out once");
  }

  @Test
  void doubleReleaseIsIgnored() {
    BufferPool pool = BufferPool.heap();
    ByteBuffer buffer = pool.acquire(3000);
    pool.release(buffer);
    pool.release(buffer);
    assertEquals(buffer.capacity(), pool.retainedBytes(), "counted once");
    ByteBuffer a = pool.acquire(3000);
    ByteBuffer b = pool.acquire(3000);
    assertSame(buffer, a);
    assertNotSame(a, b, "one buffer must never go to two owners");
  }

  @Test
  void foreignReadOnlyAndOtherKindBuffersAreIgnored() {
    BufferPool heap = BufferPool.heap();
    BufferPool direct = BufferPool.direct();
    ByteBuffer heapBuffer = heap.acquire(2000);
    ByteBuffer directBuffer = direct.acquire(2000);

    heap.release(null);
    heap.release(heapBuffer.asReadOnlyBuffer());
    heap.release(directBuffer);
    heap.release(ByteBuffer.allocate(1000)); // not a size class of the pool
    heap.release(ByteBuffer.allocate(100));
    heap.release(ByteBuffer.allocate(32 << 20)); // beyond the largest pooled class
    direct.release(heapBuffer);
    direct.release(directBuffer.asReadOnlyBuffer());
    assertEquals(0, heap.retainedBytes());
    assertEquals(0, direct.retainedBytes());
    ByteBuffer fresh = heap.acquire(2000);
    assertFalse(fresh.isReadOnly());
    assertFalse(fresh.isDirect());
    assertNotSame(directBuffer, direct.acquire(2000), "still acquired: was never released");
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
