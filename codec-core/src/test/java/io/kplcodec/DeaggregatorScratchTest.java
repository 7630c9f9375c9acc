package io.kplcodec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.security.MessageDigest;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What the deaggregator's scratch space costs: nothing per call in steady state, whatever thread calls it, and nothing
 * for table entries no record uses (issue 15, items 4 and 5).
 */
class DeaggregatorScratchTest {
  private static final Deaggregator DEAGGREGATOR = Deaggregator.create();
  private static final UserRecordVisitor COUNT = (pk, ehk, source, offset, length, sub) -> {};

  /** Pins: visit decoded every table entry, used or not, and empty ones bypassed the key cache (12x the input). */
  @Test
  void unusedAndEmptyTableEntriesCostNothingOnceTheScratchHasGrown() throws Exception {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    for (int i = 0; i < 200_000; i++) {
      message.write(new byte[] {0x0A, 0x00}); // an empty partition key, never used
    }
    for (int i = 0; i < 50_000; i++) {
      message.write(new byte[] {0x0A, 0x01, 'k'}); // the same one-character key again and again, never used
    }
    message.write(new byte[] {0x1A, 0x05, 0x08, 0x00, 0x1A, 0x01, 'x'}); // one record, of the first (empty) key
    byte[] record = frame(message.toByteArray());
    AtomicLong seen = new AtomicLong();
    UserRecordVisitor visitor = (pk, ehk, source, offset, length, sub) -> {
      assertEquals("", pk);
      seen.incrementAndGet();
    };
    DEAGGREGATOR.visit(record, visitor); // grows the scratch once
    long allocated = ThreadAllocation.allocatedBy(() -> DEAGGREGATOR.visit(record, visitor));
    assertEquals(2, seen.get());
    assumeTrue(allocated >= 0, "this JVM cannot measure allocation");
    assertTrue(allocated < 4096, "a second visit of a " + record.length + "-byte aggregate of unused entries allocated "
        + allocated + " bytes");
  }

  /** Pins: the scratch lived in a ThreadLocal, rebuilt (about 15 KB) on every fresh virtual thread. */
  @Test
  void aFreshVirtualThreadReusesScratchSpace() throws Exception {
    Method ofVirtual;
    Method totalAllocated;
    Object threads;
    try {
      ofVirtual = Thread.class.getMethod("ofVirtual");
      threads = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
      totalAllocated = Class.forName("com.sun.management.ThreadMXBean").getMethod("getTotalThreadAllocatedBytes");
    } catch (ReflectiveOperationException e) {
      assumeTrue(false, "virtual threads and total allocation need JDK 21+: " + e);
      return;
    }
    AggregateEncoder encoder = new AggregateEncoder();
    for (int i = 0; i < 100; i++) {
      encoder.add("key-" + (i % 4), null, new byte[64]);
    }
    byte[] record = encoder.toByteArray();
    Runnable visit = () -> DEAGGREGATOR.visit(record, COUNT);
    Runnable nothing = () -> {};
    for (int i = 0; i < 200; i++) { // warm-up: class loading, the JIT, the pool filled
      runOnVirtualThread(ofVirtual, visit);
      runOnVirtualThread(ofVirtual, nothing);
    }
    int calls = 2_000;
    long best = Long.MAX_VALUE;
    for (int attempt = 0; attempt < 3; attempt++) { // other threads may allocate meanwhile: the best of three
      long start = (Long) totalAllocated.invoke(threads);
      for (int i = 0; i < calls; i++) {
        runOnVirtualThread(ofVirtual, visit);
      }
      long middle = (Long) totalAllocated.invoke(threads);
      for (int i = 0; i < calls; i++) {
        runOnVirtualThread(ofVirtual, nothing);
      }
      long end = (Long) totalAllocated.invoke(threads);
      best = Math.min(best, ((middle - start) - (end - middle)) / calls);
    }
    assertTrue(best <= 1024, "a visit on a fresh virtual thread allocated " + best + " bytes more than no visit");
  }

  private static void runOnVirtualThread(Method ofVirtual, Runnable task) {
    try {
      Object builder = ofVirtual.invoke(null);
      Method start = Class.forName("java.lang.Thread$Builder").getMethod("start", Runnable.class);
      Thread thread = (Thread) start.invoke(builder, task);
      thread.join();
    } catch (ReflectiveOperationException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] frame(byte[] message) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2});
    out.write(message);
    out.write(MessageDigest.getInstance("MD5").digest(message));
    return out.toByteArray();
  }
}
