package io.kplcodec.fuzz;

import java.lang.management.ManagementFactory;

/**
 * Bytes the current thread allocates while running some code, from the JVM's per-thread allocation counter
 * ({@code com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes}, exact to a TLAB's granularity: it counts
 * TLABs as the thread fills them, plus objects allocated outside TLABs).
 */
public final class AllocationMeter {
  private static final com.sun.management.ThreadMXBean THREADS = threads();

  private AllocationMeter() {}

  private static com.sun.management.ThreadMXBean threads() {
    java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
    if (bean instanceof com.sun.management.ThreadMXBean sun && sun.isThreadAllocatedMemorySupported()) {
      sun.setThreadAllocatedMemoryEnabled(true);
      return sun;
    }
    return null;
  }

  /** Whether this JVM can measure (HotSpot-based JVMs can). */
  public static boolean isSupported() {
    return THREADS != null;
  }

  /** Bytes allocated by the current thread while {@code code} ran, minus the measurement's own cost. */
  public static long allocatedBy(Runnable code) {
    long before = THREADS.getCurrentThreadAllocatedBytes();
    code.run();
    long after = THREADS.getCurrentThreadAllocatedBytes();
    return Math.max(0, after - before - overhead());
  }

  private static long overhead = -1;

  /** What an empty measurement reports (the counter calls themselves may allocate). */
  private static long overhead() {
    if (overhead < 0) {
      long min = Long.MAX_VALUE;
      for (int i = 0; i < 100; i++) {
        long a = THREADS.getCurrentThreadAllocatedBytes();
        long b = THREADS.getCurrentThreadAllocatedBytes();
        min = Math.min(min, b - a);
      }
      overhead = min;
    }
    return overhead;
  }
}
