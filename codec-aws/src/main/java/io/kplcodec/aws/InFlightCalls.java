package io.kplcodec.aws;

/**
 * The PutRecords calls in flight, over every stream of the producer, and how many more may start: at most so many
 * at once, and within a byte budget (requests cost about 3.4 times their entries with the SDK's copies), except that
 * a call may always start when none is in flight. Not thread-safe: the producer calls it under its lock.
 */
final class InFlightCalls {
  private final int maxCalls;
  private final long maxBytes;
  private int calls;
  private long bytes;

  InFlightCalls(int maxCalls, long maxBytes) {
    this.maxCalls = maxCalls;
    this.maxBytes = maxBytes;
  }

  boolean full() {
    return calls >= maxCalls;
  }

  /** Bytes the next call may carry, its first record included; unlimited when no call is in flight. */
  long room() {
    return calls == 0 ? Long.MAX_VALUE : maxBytes - bytes;
  }

  void started(long size) {
    calls++;
    bytes += size;
  }

  void answered(long size) {
    calls--;
    bytes -= size;
  }
}
