package io.kplcodec.fuzz;

import io.kplcodec.BufferPool;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Issue 15: the pool takes back only the exact buffers it handed out, once. Random sequences of acquisitions and
 * releases, good and bad (a duplicate, a slice, a read-only view, a foreign buffer, a second or stale release); after
 * every step each live buffer is stamped with its own byte over its whole capacity and read back, so two live
 * buffers sharing memory fail, and the pool's retained bytes stay within its limit.
 */
class BufferPoolPropertiesTest {
  static final int TRIES = 300;
  /** Up to 16 KiB: five size classes, small enough to stamp every live buffer after every step. */
  static final int MAX_SIZE = 16 << 10;

  enum Kind { ACQUIRE, RELEASE, RELEASE_DUPLICATE, RELEASE_SLICE, RELEASE_READ_ONLY, RELEASE_FOREIGN, RELEASE_AGAIN }

  /** One step; {@code pick} chooses a live or released buffer, {@code size} the size of an acquisition. */
  record Step(Kind kind, int size, int pick) {}

  @Property(tries = TRIES)
  void liveBuffersNeverShareMemoryAndBadReleasesAreRefused(@ForAll boolean direct,
      @ForAll("maxRetainedBytes") long maxRetainedBytes, @ForAll("steps") List<Step> steps) {
    BufferPool pool = direct ? BufferPool.direct(maxRetainedBytes) : BufferPool.heap(maxRetainedBytes);
    List<ByteBuffer> live = new ArrayList<>();
    List<ByteBuffer> released = new ArrayList<>(); // most recent last
    for (int i = 0; i < steps.size(); i++) {
      Step step = steps.get(i);
      String at = "step " + i + " of " + steps;
      switch (step.kind()) {
        case ACQUIRE -> {
          if (live.size() < 32) {
            ByteBuffer buffer = pool.acquire(step.size());
            check(buffer.position() == 0 && buffer.limit() == step.size() && buffer.capacity() >= step.size()
                && buffer.isDirect() == direct && !buffer.isReadOnly(), at + ": acquired " + buffer);
            live.add(buffer);
          }
        }
        case RELEASE -> {
          if (!live.isEmpty()) {
            ByteBuffer buffer = live.remove(step.pick() % live.size());
            pool.release(buffer);
            released.add(buffer);
            if (released.size() > 16) {
              released.remove(0);
            }
          }
        }
        case RELEASE_DUPLICATE -> {
          if (!live.isEmpty()) {
            refused(pool, live.get(step.pick() % live.size()).duplicate(), at);
          }
        }
        case RELEASE_SLICE -> {
          if (!live.isEmpty()) {
            ByteBuffer buffer = live.get(step.pick() % live.size()).duplicate();
            refused(pool, buffer.position(step.pick() % (buffer.limit() + 1)).slice(), at);
          }
        }
        case RELEASE_READ_ONLY -> {
          if (!live.isEmpty()) {
            refused(pool, live.get(step.pick() % live.size()).asReadOnlyBuffer(), at);
          }
        }
        case RELEASE_FOREIGN -> {
          int capacity = 1 << (10 + step.pick() % 5); // a size class the pool has used
          boolean foreignDirect = step.pick() % 3 == 0 ? !direct : direct;
          refused(pool, foreignDirect ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity), at);
        }
        case RELEASE_AGAIN -> {
          if (!released.isEmpty()) {
            // Mostly one of the last few: its memory is then likely someone's again (a stale release, ABA).
            int back = step.pick() % (step.pick() % 2 == 0 ? Math.min(3, released.size()) : released.size());
            refused(pool, released.get(released.size() - 1 - back), at);
          }
        }
        default -> throw new AssertionError(step.kind());
      }
      checkDisjoint(live, at);
      long retained = pool.retainedBytes();
      check(retained >= 0 && retained <= maxRetainedBytes, at + ": retained " + retained + " of " + maxRetainedBytes);
    }
    live.forEach(pool::release);
  }

  private static void refused(BufferPool pool, ByteBuffer buffer, String at) {
    long retained = pool.retainedBytes();
    try {
      pool.release(buffer);
    } catch (IllegalArgumentException expected) {
      check(pool.retainedBytes() == retained, at + ": a refused release changed the retained bytes");
      return;
    }
    throw new AssertionError(at + ": the pool accepted the release of " + buffer);
  }

  /** Stamps live buffer i with byte i + 1 over its whole capacity, then checks every stamp is intact. */
  private static void checkDisjoint(List<ByteBuffer> live, String at) {
    byte[] stamp = new byte[MAX_SIZE];
    for (int i = 0; i < live.size(); i++) {
      ByteBuffer buffer = live.get(i).duplicate().clear();
      Arrays.fill(stamp, 0, buffer.capacity(), (byte) (i + 1));
      buffer.put(stamp, 0, buffer.capacity());
    }
    byte[] read = new byte[MAX_SIZE];
    for (int i = 0; i < live.size(); i++) {
      ByteBuffer buffer = live.get(i).duplicate().clear();
      int capacity = buffer.capacity();
      buffer.get(read, 0, capacity);
      Arrays.fill(stamp, 0, capacity, (byte) (i + 1));
      int mismatch = Arrays.mismatch(read, 0, capacity, stamp, 0, capacity);
      if (mismatch >= 0) {
        throw new AssertionError(at + ": live buffer " + i + " holds byte " + read[mismatch] + " at " + mismatch
            + ": its memory is shared with live buffer " + (read[mismatch] - 1));
      }
    }
  }

  private static void check(boolean condition, String message) {
    if (!condition) {
      throw new AssertionError(message);
    }
  }

  @Provide
  Arbitrary<Long> maxRetainedBytes() {
    return Arbitraries.of(0L, 1024L, 5000L, 64L << 10, 64L << 20);
  }

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Kind> kinds = Arbitraries.frequency(Tuple.of(8, Kind.ACQUIRE), Tuple.of(6, Kind.RELEASE),
        Tuple.of(1, Kind.RELEASE_DUPLICATE), Tuple.of(1, Kind.RELEASE_SLICE), Tuple.of(1, Kind.RELEASE_READ_ONLY),
        Tuple.of(1, Kind.RELEASE_FOREIGN), Tuple.of(3, Kind.RELEASE_AGAIN));
    Arbitrary<Integer> sizes = Arbitraries.integers().between(0, MAX_SIZE);
    Arbitrary<Integer> picks = Arbitraries.integers().between(0, Integer.MAX_VALUE);
    return Combinators.combine(kinds, sizes, picks).as(Step::new).list().ofMinSize(1).ofMaxSize(60);
  }
}
