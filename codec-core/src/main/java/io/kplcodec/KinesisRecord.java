package io.kplcodec;

import io.kplcodec.internal.HashKey;
import io.kplcodec.internal.Limits;
import io.kplcodec.internal.Utf8;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * One record to put into Kinesis: an aggregate made by an {@link Aggregator}, a lone user record it emitted raw, or
 * a plain record made with {@link #of}. The unit a {@link PutRecordsBatcher} batches.
 *
 * <p>Buffer ownership: a record made by an {@link Aggregator} holds a pooled buffer. Call {@link #release()} once
 * it has been sent; after that {@link #data()} and {@link #toByteArray()} throw, and views obtained earlier from
 * {@link #data()} must no longer be read (their bytes may belong to another record). A record that is never
 * released still works; its buffer is then garbage collected instead of reused. Plain records hold no pooled
 * buffer and {@link #release()} only marks them released.
 *
 * <p>Thread-safe: immutable apart from the one-way transition to released, which may happen on any thread.
 */
public final class KinesisRecord {
  private final String partitionKey;
  private final String explicitHashKey;
  private final int userRecordCount;
  private final boolean aggregated;
  private final String predictedShardId;
  private final int dataLength;
  private final BufferPool pool;
  /** The record's bytes, position 0 to limit; not to be touched once released. */
  private final ByteBuffer data;
  /**
   * 1 once released. Perf: a volatile int flipped through a VarHandle rather than an AtomicReference: one object less
   * per record (a final field for the buffer keeps safe publication).
   */
  private volatile int released;

  private static final VarHandle RELEASED;

  static {
    try {
      RELEASED = MethodHandles.lookup().findVarHandle(KinesisRecord.class, "released", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  KinesisRecord(
      String partitionKey,
      String explicitHashKey,
      ByteBuffer data,
      BufferPool pool,
      int userRecordCount,
      boolean aggregated,
      String predictedShardId) {
    this.partitionKey = partitionKey;
    this.explicitHashKey = explicitHashKey;
    this.dataLength = data.remaining();
    this.data = data;
    this.pool = pool;
    this.userRecordCount = userRecordCount;
    this.aggregated = aggregated;
    this.predictedShardId = predictedShardId;
  }

  /**
   * A plain (not aggregated) record. The array is not copied: do not modify it while the record is in use.
   *
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey a decimal in 0..2^128-1 without leading zeros, or null
   * @param data the record's data
   * @throws IllegalArgumentException if a key is invalid
   */
  public static KinesisRecord of(String partitionKey, String explicitHashKey, byte[] data) {
    return of(partitionKey, explicitHashKey, ByteBuffer.wrap(data));
  }

  /**
   * A plain (not aggregated) record of {@code data}'s remaining bytes. The bytes are not copied and the buffer's
   * position is not moved: do not modify them while the record is in use.
   *
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey a decimal in 0..2^128-1 without leading zeros, or null
   * @param data the record's data
   * @throws IllegalArgumentException if a key is invalid
   */
  public static KinesisRecord of(String partitionKey, String explicitHashKey, ByteBuffer data) {
    Limits.checkPartitionKey(partitionKey);
    if (explicitHashKey != null) {
      new HashKey().parse(explicitHashKey, "Explicit hash key");
    }
    return new KinesisRecord(partitionKey, explicitHashKey, data.slice(), null, 1, false, null);
  }

  /** The partition key to send the record with. */
  public String partitionKey() {
    return partitionKey;
  }

  /**
   * The explicit hash key (decimal) to send the record with, or null. Aggregates always have one: the hash key of
   * their first user record, so that they land on that record's shard.
   */
  public String explicitHashKey() {
    return explicitHashKey;
  }

  /**
   * A read-only view of the record's bytes (position 0, limit {@link #dataLength()}), valid until
   * {@link #release()}.
   *
   * @throws IllegalStateException after release
   */
  public ByteBuffer data() {
    return live().asReadOnlyBuffer();
  }

  /** A copy of the record's bytes. @throws IllegalStateException after release */
  public byte[] toByteArray() {
    byte[] copy = new byte[dataLength];
    live().duplicate().get(copy);
    return copy;
  }

  /** Number of bytes of data. */
  public int dataLength() {
    return dataLength;
  }

  /**
   * The bytes Kinesis counts for this record against its record and request limits: data plus the UTF-8 bytes of
   * the partition key.
   */
  public long sizeInBytes() {
    return (long) dataLength + Utf8.encodedLength(partitionKey);
  }

  /** How many user records this record carries (1 for a raw or plain record). */
  public int userRecordCount() {
    return userRecordCount;
  }

  /** Whether the bytes are in the aggregated format (magic, protobuf, MD5). */
  public boolean isAggregated() {
    return aggregated;
  }

  /** The shard the aggregator expects this record to land on, from its shard map; null without one. */
  public String predictedShardId() {
    return predictedShardId;
  }

  /** Whether {@link #release()} has been called. */
  public boolean isReleased() {
    return released != 0;
  }

  /**
   * Gives the record's buffer back to its pool. Idempotent and safe from any thread; see the class comment for what
   * may no longer be used afterwards.
   */
  public void release() {
    if (RELEASED.compareAndSet(this, 0, 1) && pool != null) {
      pool.release(data);
    }
  }

  private ByteBuffer live() {
    if (released != 0) {
      throw new IllegalStateException("This record was released; its buffer may already hold another record");
    }
    return data;
  }

  @Override
  public String toString() {
    return "KinesisRecord{partitionKey=" + partitionKey
        + ", explicitHashKey=" + explicitHashKey
        + ", dataLength=" + dataLength
        + ", userRecords=" + userRecordCount
        + ", aggregated=" + aggregated
        + (predictedShardId == null ? "" : ", predictedShardId=" + predictedShardId)
        + (isReleased() ? ", released" : "")
        + "}";
  }
}
