package io.kplcodec;

import java.nio.ByteBuffer;

/**
 * A pool of heap or direct {@link ByteBuffer}s in power-of-two size classes, so that steady-state aggregation
 * reuses its output buffers instead of allocating one per Kinesis record.
 *
 * <p>Ownership: a buffer from {@link #acquire} belongs to the caller until the caller passes it to
 * {@link #release}, after which the caller must not touch it (nor any view of it) again: the pool will hand it
 * out to someone else. A buffer that is never released is simply garbage collected; nothing leaks. Releasing a
 * buffer that is already in the pool, is read-only, or is of the other kind (heap/direct) is ignored.
 *
 * <p>The pool retains at most a configured number of bytes; beyond that, released buffers are dropped.
 *
 * <p>Thread-safe: buffers may be acquired on one thread and released on another (for example when a PutRecords
 * request completes).
 */
public final class BufferPool {
  /** Smallest size class, 1 KiB; largest pooled class, 16 MiB (a 10 MiB record plus framing fits). */
  private static final int MIN_SHIFT = 10;
  private static final int MAX_SHIFT = 24;
  /** Buffers kept per size class: enough for many in-flight records, few enough to scan for double release. */
  private static final int MAX_PER_CLASS = 64;
  private static final long DEFAULT_MAX_RETAINED_BYTES = 64L << 20;

  private final boolean direct;
  private final long maxRetainedBytes;
  private final ByteBuffer[][] stacks = new ByteBuffer[MAX_SHIFT + 1][];
  private final int[] counts = new int[MAX_SHIFT + 1];
  private long retainedBytes;

  private BufferPool(boolean direct, long maxRetainedBytes) {
    if (maxRetainedBytes < 0) {
      throw new IllegalArgumentException("maxRetainedBytes must not be negative: " + maxRetainedBytes);
    }
    this.direct = direct;
    this.maxRetainedBytes = maxRetainedBytes;
  }

  /** A heap-buffer pool retaining up to 64 MiB. */
  public static BufferPool heap() {
    return new BufferPool(false, DEFAULT_MAX_RETAINED_BYTES);
  }

  /** A heap-buffer pool retaining up to {@code maxRetainedBytes} (0: a pool that never retains). */
  public static BufferPool heap(long maxRetainedBytes) {
    return new BufferPool(false, maxRetainedBytes);
  }

  /** A direct-buffer pool retaining up to 64 MiB. */
  public static BufferPool direct() {
    return new BufferPool(true, DEFAULT_MAX_RETAINED_BYTES);
  }

  /** A direct-buffer pool retaining up to {@code maxRetainedBytes} (0: a pool that never retains). */
  public static BufferPool direct(long maxRetainedBytes) {
    return new BufferPool(true, maxRetainedBytes);
  }

  /** Whether this pool hands out direct buffers. */
  public boolean isDirect() {
    return direct;
  }

  /**
   * A buffer with position 0 and limit {@code size}, owned by the caller until {@link #release}d. Its contents
   * are unspecified.
   */
  public ByteBuffer acquire(int size) {
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative: " + size);
    }
    int shift = sizeClass(size);
    ByteBuffer buffer = null;
    if (shift <= MAX_SHIFT) {
      synchronized (this) {
        int count = counts[shift];
        if (count > 0) {
          buffer = stacks[shift][--count];
          stacks[shift][count] = null;
          counts[shift] = count;
          retainedBytes -= buffer.capacity();
        }
      }
    }
    if (buffer == null) {
      int capacity = shift <= MAX_SHIFT ? 1 << shift : size; // oversize requests are not pooled
      buffer = direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
    }
    buffer.clear().limit(size);
    return buffer;
  }

  /** Returns a buffer obtained from {@link #acquire}; the caller must not use it afterwards. */
  public void release(ByteBuffer buffer) {
    if (buffer == null || buffer.isDirect() != direct || buffer.isReadOnly()) {
      return;
    }
    int capacity = buffer.capacity();
    if (Integer.bitCount(capacity) != 1 || capacity < (1 << MIN_SHIFT) || capacity > (1 << MAX_SHIFT)) {
      return; // not one of ours
    }
    int shift = Integer.numberOfTrailingZeros(capacity);
    synchronized (this) {
      if (retainedBytes + capacity > maxRetainedBytes || counts[shift] == MAX_PER_CLASS) {
        return;
      }
      ByteBuffer[] stack = stacks[shift];
      if (stack == null) {
        stack = stacks[shift] = new ByteBuffer[MAX_PER_CLASS];
      }
      for (int i = 0; i < counts[shift]; i++) {
        if (stack[i] == buffer) {
          return; // released twice: keeping it twice would hand one buffer to two owners
        }
      }
      stack[counts[shift]++] = buffer;
      retainedBytes += capacity;
    }
  }

  /** Bytes currently held by the pool, for monitoring and tests. */
  public synchronized long retainedBytes() {
    return retainedBytes;
  }

  private static int sizeClass(int size) {
    int shift = size <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(size - 1);
    return Math.max(shift, MIN_SHIFT);
  }
}
