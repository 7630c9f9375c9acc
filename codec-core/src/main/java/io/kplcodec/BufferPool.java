package io.kplcodec;

import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A pool of heap or direct {@link ByteBuffer}s in power-of-two size classes, so that steady-state aggregation
 * reuses its output buffers instead of allocating one per Kinesis record.
 *
 * <p>Ownership: a buffer from {@link #acquire} belongs to the caller until the caller passes it to
 * {@link #release}, after which the caller must not touch it (nor any view of it) again: the pool will hand its
 * memory out to someone else. Every acquisition returns a new buffer object, and the pool takes back exactly that
 * object, once; anything else is refused (see {@link #release}), so that one memory never goes to two owners. A
 * buffer that is never released is simply garbage collected; nothing leaks.
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
  /** Buffers kept per size class: enough for many in-flight records. */
  private static final int MAX_PER_CLASS = 64;
  private static final long DEFAULT_MAX_RETAINED_BYTES = 64L << 20;

  private final boolean direct;
  private final long maxRetainedBytes;
  private final Block[][] stacks = new Block[MAX_SHIFT + 1][];
  private final int[] counts = new int[MAX_SHIFT + 1];
  private long retainedBytes;
  /** The buffers {@link #acquire} handed out and nobody released yet. Guarded by {@code this}, as are the above. */
  private final Leases leases = new Leases();

  private BufferPool(boolean direct, long maxRetainedBytes) {
    if (maxRetainedBytes < 0) {
      throw new IllegalArgumentException("maxRetainedBytes must not be negative: " + maxRetainedBytes);
    }
    this.direct = direct;
    this.maxRetainedBytes = maxRetainedBytes;
  }

  /**
   * A heap-buffer pool retaining up to 64 MiB.
   *
   * @return a new, empty pool
   */
  public static BufferPool heap() {
    return new BufferPool(false, DEFAULT_MAX_RETAINED_BYTES);
  }

  /**
   * A heap-buffer pool retaining up to {@code maxRetainedBytes} (0: a pool that never retains).
   *
   * @param maxRetainedBytes the most bytes (of buffer capacity) the pool keeps for reuse, not negative
   * @return a new, empty pool
   * @throws IllegalArgumentException if {@code maxRetainedBytes} is negative
   */
  public static BufferPool heap(long maxRetainedBytes) {
    return new BufferPool(false, maxRetainedBytes);
  }

  /**
   * A direct-buffer pool retaining up to 64 MiB.
   *
   * @return a new, empty pool
   */
  public static BufferPool direct() {
    return new BufferPool(true, DEFAULT_MAX_RETAINED_BYTES);
  }

  /**
   * A direct-buffer pool retaining up to {@code maxRetainedBytes} (0: a pool that never retains).
   *
   * @param maxRetainedBytes the most bytes (of buffer capacity) the pool keeps for reuse, not negative
   * @return a new, empty pool
   * @throws IllegalArgumentException if {@code maxRetainedBytes} is negative
   */
  public static BufferPool direct(long maxRetainedBytes) {
    return new BufferPool(true, maxRetainedBytes);
  }

  /**
   * Whether this pool hands out direct buffers.
   *
   * @return true for a pool made by {@link #direct()}, false for one made by {@link #heap()}
   */
  public boolean isDirect() {
    return direct;
  }

  /**
   * A new buffer object with position 0 and limit {@code size}, owned by the caller until {@link #release}d. Its
   * contents are unspecified; its capacity is at least {@code size}.
   *
   * @param size the number of bytes the caller needs, not negative
   * @return the buffer, to be given back with {@link #release} (or dropped)
   * @throws IllegalArgumentException if {@code size} is negative
   */
  public ByteBuffer acquire(int size) {
    // A new view per acquisition, known to release by identity: a second or stale release of it, or the release
    // of another view of the same memory, can then never take back memory that someone else holds by now.
    ByteBuffer buffer = take(size).buffer.duplicate();
    synchronized (this) {
      leases.add(buffer);
    }
    return buffer;
  }

  /**
   * Gives back a buffer that {@link #acquire} returned; the caller must not use it (nor any view of it) afterwards.
   * The pool keeps its memory for reuse, or drops it beyond the retained-bytes limit.
   *
   * @param buffer the very buffer object {@link #acquire} returned, at any position and limit
   * @throws IllegalArgumentException without taking the buffer back, if it is not the very object an acquire of
   *     this pool returned (a buffer from elsewhere, or a duplicate, slice or read-only view of a pooled one), or it
   *     was released already (also when the pool has since handed the same memory to someone else)
   * @throws NullPointerException if {@code buffer} is null
   */
  public void release(ByteBuffer buffer) {
    Objects.requireNonNull(buffer, "buffer");
    boolean leased;
    synchronized (this) {
      leased = leases.remove(buffer);
    }
    if (!leased) {
      throw new IllegalArgumentException(buffer.isDirect() != direct
          ? "Cannot release a " + kind(buffer.isDirect()) + " buffer to a " + kind(direct) + " pool"
          : "Cannot release a buffer that is not one this pool handed out (a foreign buffer, or a duplicate, slice "
              + "or read-only view of a pooled one) or that was already released");
    }
    if (buffer.capacity() <= 1 << MAX_SHIFT) {
      // A new block over the same memory: the caller may still hold (and misuse) the view, but never moves the
      // position of the buffer the next taker writes through.
      giveBack(new Block(this, buffer.duplicate()));
    }
  }

  private static String kind(boolean direct) {
    return direct ? "direct" : "heap";
  }

  /**
   * The internal path, for {@link Aggregator} and {@link KinesisRecord}: a block with its buffer at position 0 and
   * limit {@code size}. Perf: allocates nothing when the pool has a block of the size class, and registers no lease;
   * the caller must {@link #giveBack} it at most once (a record's release is a compare-and-set).
   */
  Block take(int size) {
    if (size < 0) {
      throw new IllegalArgumentException("size must not be negative: " + size);
    }
    int shift = sizeClass(size);
    Block block = null;
    if (shift <= MAX_SHIFT) {
      synchronized (this) {
        int count = counts[shift];
        if (count > 0) {
          block = stacks[shift][--count];
          stacks[shift][count] = null;
          counts[shift] = count;
          retainedBytes -= block.buffer.capacity();
        }
      }
    }
    if (block == null) {
      int capacity = shift <= MAX_SHIFT ? 1 << shift : size; // oversize requests are not pooled
      block = new Block(this, direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity));
    }
    block.buffer.clear().limit(size);
    return block;
  }

  /** Ends a {@link #take}: keeps the block for reuse unless that would exceed the limits. */
  void giveBack(Block block) {
    int capacity = block.buffer.capacity();
    if (capacity > 1 << MAX_SHIFT) {
      return; // oversize: not pooled
    }
    int shift = Integer.numberOfTrailingZeros(capacity);
    synchronized (this) {
      if (retainedBytes + capacity > maxRetainedBytes || counts[shift] == MAX_PER_CLASS) {
        return;
      }
      Block[] stack = stacks[shift];
      if (stack == null) {
        stack = stacks[shift] = new Block[MAX_PER_CLASS];
      }
      stack[counts[shift]++] = block;
      retainedBytes += capacity;
    }
  }

  /**
   * Bytes currently held by the pool, for monitoring and tests.
   *
   * @return the total capacity of the buffers kept for reuse, at most the configured maximum
   */
  public synchronized long retainedBytes() {
    return retainedBytes;
  }

  private static int sizeClass(int size) {
    int shift = size <= 1 ? 0 : 32 - Integer.numberOfLeadingZeros(size - 1);
    return Math.max(shift, MIN_SHIFT);
  }

  /**
   * One buffer's memory as the pool keeps it. Its buffer is never handed to a user; its read-only twin is made once,
   * so that records can be issued from it and viewed without a view per record. Used by one owner at a time.
   */
  static final class Block {
    final BufferPool pool;
    /** Written by whoever took the block, from position 0. */
    final ByteBuffer buffer;
    /** The twin, at position 0; {@link #written} sets its limit. */
    private ByteBuffer readOnly;

    private Block(BufferPool pool, ByteBuffer buffer) {
      this.pool = pool;
      this.buffer = buffer;
    }

    /** The bytes written so far (up to the buffer's position), read-only, from position 0. */
    ByteBuffer written() {
      ByteBuffer readOnly = this.readOnly;
      if (readOnly == null) {
        readOnly = this.readOnly = buffer.asReadOnlyBuffer().clear();
      }
      return readOnly.limit(buffer.position());
    }
  }

  /** A buffer {@link #acquire} handed out, known by identity. */
  private static final class Lease extends WeakReference<ByteBuffer> {
    final int hash;
    Lease next;

    Lease(ByteBuffer buffer, int hash, Lease next, ReferenceQueue<ByteBuffer> queue) {
      super(buffer, queue);
      this.hash = hash;
      this.next = next;
    }
  }

  /**
   * The outstanding leases: a hash table by identity (ByteBuffer's own equals and hashCode are by content), with
   * weak keys that pin nothing, so that a buffer dropped unreleased is collected (memory and all) and its lease
   * removed at the next add or remove. It grows and shrinks with the number of outstanding leases. Not thread-safe:
   * guarded by the pool.
   */
  private static final class Leases {
    private static final int MIN_CAPACITY = 16;
    private final ReferenceQueue<ByteBuffer> collected = new ReferenceQueue<>();
    private Lease[] table = new Lease[MIN_CAPACITY];
    private int size;

    void add(ByteBuffer buffer) {
      expungeCollected();
      if (size >= table.length - (table.length >> 2)) {
        resize(table.length << 1);
      }
      int hash = System.identityHashCode(buffer);
      int index = hash & (table.length - 1);
      table[index] = new Lease(buffer, hash, table[index], collected);
      size++;
    }

    /** Removes the lease of exactly {@code buffer}; false if there is none. */
    boolean remove(ByteBuffer buffer) {
      expungeCollected();
      int hash = System.identityHashCode(buffer);
      for (Lease lease = table[hash & (table.length - 1)]; lease != null; lease = lease.next) {
        if (lease.hash == hash && lease.get() == buffer) {
          unlink(lease);
          lease.clear(); // never enqueued now
          if (size < table.length >> 3 && table.length > MIN_CAPACITY) {
            resize(table.length >> 1);
          }
          return true;
        }
      }
      return false;
    }

    private void expungeCollected() {
      for (Reference<? extends ByteBuffer> lease; (lease = collected.poll()) != null; ) {
        unlink((Lease) lease);
      }
    }

    private void unlink(Lease lease) {
      int index = lease.hash & (table.length - 1);
      Lease previous = null;
      for (Lease current = table[index]; current != null; previous = current, current = current.next) {
        if (current == lease) {
          if (previous == null) {
            table[index] = current.next;
          } else {
            previous.next = current.next;
          }
          size--;
          return;
        }
      }
    }

    private void resize(int capacity) {
      Lease[] resized = new Lease[capacity];
      for (Lease head : table) {
        for (Lease lease = head, next; lease != null; lease = next) {
          next = lease.next;
          int index = lease.hash & (capacity - 1);
          lease.next = resized[index];
          resized[index] = lease;
        }
      }
      table = resized;
    }
  }
}
