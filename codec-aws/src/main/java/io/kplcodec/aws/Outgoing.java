package io.kplcodec.aws;

import io.kplcodec.KinesisRecord;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A completed Kinesis record and the user records it carries, in sub-sequence order. Its data are copied out of the
 * aggregator's pooled buffer when it completes, into an array of their own that is never changed: the copy the SDK
 * needs anyway (it has no zero-copy {@code SdkBytes} for a buffer), kept for a retry or a re-pack. Perf: the pooled
 * buffer goes back to the pool at once, so one buffer serves every aggregate; held until the answer, the pool's few
 * buffers were always out, and every aggregate allocated a new one of the next power of two, which also held up to
 * twice the memory of its data while it waited. Not thread-safe.
 */
final class Outgoing {
  final PendingRecord[] users;
  private final byte[] data;
  private final String partitionKey;
  private final String explicitHashKey;
  private final String shardId;
  private final boolean aggregated;
  private final long sizeInBytes;
  /** Bytes of its data beyond what its user records cost (the aggregate's framing), charged until released. */
  final long slack;
  private boolean released;
  /** When it joined the send queue, among all records of its stream: calls take the oldest first. */
  long sequence;

  /** Copies the record's data and releases it. */
  Outgoing(KinesisRecord record, PendingRecord[] users, long slack) {
    this.users = users;
    this.slack = slack;
    this.partitionKey = record.partitionKey();
    this.explicitHashKey = record.explicitHashKey();
    this.shardId = record.predictedShardId();
    this.aggregated = record.isAggregated();
    this.sizeInBytes = record.sizeInBytes();
    this.data = record.dataBytes();
    record.release();
  }

  String shardId() {
    return shardId;
  }

  String partitionKey() {
    return partitionKey;
  }

  String explicitHashKey() {
    return explicitHashKey;
  }

  boolean isAggregated() {
    return aggregated;
  }

  /** Data plus UTF-8 partition key, as Kinesis counts them. */
  long sizeInBytes() {
    return sizeInBytes;
  }

  /** Its data, read-only. */
  ByteBuffer data() {
    return ByteBuffer.wrap(data).asReadOnlyBuffer();
  }

  /** Its data, never changed: safe to hand to the SDK without a copy. */
  byte[] dataArray() {
    return data;
  }

  /** Every user record of it selected. */
  boolean[] all() {
    boolean[] every = new boolean[users.length];
    Arrays.fill(every, true);
    return every;
  }

  void attemptFailed(Throwable error, boolean outcomeUnknown) {
    for (PendingRecord pending : users) {
      pending.attemptFailed(error, outcomeUnknown);
    }
  }

  boolean isReleased() {
    return released;
  }

  /** Done with it: its slack goes back to the admission (its user records are accounted for elsewhere). */
  void release(Admission admission) {
    if (!released) {
      admission.release(takeSlack(), 0, false);
    }
  }

  /** Done with it, its slack given back by the caller along with its own release: the slack, or 0 if done before. */
  long takeSlack() {
    if (released) {
      return 0;
    }
    released = true;
    return slack;
  }
}
