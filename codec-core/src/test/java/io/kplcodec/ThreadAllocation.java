package io.kplcodec;

import java.lang.reflect.Method;

/** Bytes the current thread allocates, from HotSpot's per-thread counter; -1 where the JVM cannot say. */
final class ThreadAllocation {
  private static final Object THREADS;
  private static final Method ALLOCATED_BYTES;

  static {
    Object threads = null;
    Method allocatedBytes = null;
    try {
      // Reflection: the tests run inside module io.kplcodec, which does not read java.management.
      threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
      allocatedBytes = Class.forName("com.sun.management.ThreadMXBean")
          .getMethod("getThreadAllocatedBytes", long.class);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // not a HotSpot JVM: allocatedBytes() says -1
    }
    THREADS = threads;
    ALLOCATED_BYTES = allocatedBytes;
  }

  private ThreadAllocation() {}

  /** Bytes allocated so far by this thread, or -1 where the JVM cannot say. */
  static long allocatedBytes() {
    try {
      return (Long) ALLOCATED_BYTES.invoke(THREADS, Thread.currentThread().getId());
    } catch (ReflectiveOperationException | RuntimeException e) {
      return -1;
    }
  }

  /** Bytes this thread allocated while {@code code} ran, or -1 where the JVM cannot say. */
  static long allocatedBy(Runnable code) {
    long before = allocatedBytes();
    code.run();
    return before < 0 ? -1 : allocatedBytes() - before;
  }
}
