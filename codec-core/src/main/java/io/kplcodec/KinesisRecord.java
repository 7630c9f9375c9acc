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
 * <p>Lifetime: a record made by an {@link Aggregator} holds a pooled buffer. Call {@link #release()} once it has
 * been sent. A released record is gone: every accessor but {@link #isReleased()} and {@link #toString()} throws
 * {@link IllegalStateException} ({@link #release()} again does nothing), and views obtained earlier from
 * {@link #data()} must no longer be read (their bytes may belong to another record). A record that is never
 * released still works; its buffer is then garbage collected instead of reused. Plain records hold no pooled
 * buffer; releasing one only ends it.
 *
 * <p>Thread-safe: immutable apart from the one-way transition to released, which may happen on any thread.
 */
public final class KinesisRecord {
  /**
   * What the record holds. Perf: an aggregator recycles the slots of released records, so that a steady producer
   * allocates only this 16-byte handle per record (issue 6's one byte per user record, at 31 per aggregate). A slot
   * names the handle it currently belongs to, so a handle kept past its release can never read the next record.
   */
  private final Slot slot;

  private KinesisRecord(Slot slot) {
    this.slot = slot;
  }

  /**
   * A plain (not aggregated) record. The array is not copied: do not modify it while the record is in use.
   *
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey a decimal in 0..2^128-1, or null. Taken in any form the KPL accepts (surrounding
   *     whitespace, a sign, leading zeros: {@code " +0042"}) and kept in the canonical form {@code
   *     0|[1-9][0-9]{0,38}} ({@code "42"}), the only one the Kinesis API accepts; see {@link AggregateEncoder}
   * @param data the record's data
   * @throws IllegalArgumentException if a key is invalid: the explicit hash key not a decimal integer, negative or
   *     above 2^128-1
   * @return a new plain record over {@code data} (not copied), counting one user record
   */
  public static KinesisRecord of(String partitionKey, String explicitHashKey, byte[] data) {
    return of(partitionKey, explicitHashKey, ByteBuffer.wrap(data));
  }

  /**
   * A plain (not aggregated) record of {@code data}'s remaining bytes. The bytes are not copied and the buffer's
   * position is not moved: do not modify them while the record is in use.
   *
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey a decimal in 0..2^128-1 in any form the KPL accepts, kept in canonical form (see {@link
   *     #of(String, String, byte[])}), or null
   * @param data the record's data, from position to limit
   * @return a new plain record over a slice of {@code data} (not copied), counting one user record
   * @throws IllegalArgumentException if a key is invalid
   */
  public static KinesisRecord of(String partitionKey, String explicitHashKey, ByteBuffer data) {
    Limits.checkPartitionKey(partitionKey);
    // Sent as is to the service, which takes only the canonical form: never pass "00042" on.
    String canonical = explicitHashKey == null ? null : HashKey.canonicalExplicitHashKey(explicitHashKey);
    return new Slot(null).issue(partitionKey, canonical, data.slice(), null, 1, false, null);
  }

  /**
   * The partition key to send the record with.
   *
   * @return the partition key, 1 to 256 characters
   * @throws IllegalStateException if the record was released
   */
  public String partitionKey() {
    String partitionKey = slot.partitionKey;
    checkLive();
    return partitionKey;
  }

  /**
   * The explicit hash key (decimal) to send the record with, or null. Aggregates always have one: the hash key of
   * their first user record, so that they land on that record's shard.
   *
   * @return the explicit hash key in canonical form, or null (only for a raw or plain record without one, or for any
   *     record of an aggregator that routes by partition key only)
   * @throws IllegalStateException if the record was released
   */
  public String explicitHashKey() {
    String explicitHashKey = slot.explicitHashKey;
    checkLive();
    return explicitHashKey;
  }

  /**
   * A new read-only view of exactly the record's bytes (position 0, limit and capacity {@link #dataLength()}), valid
   * until release.
   *
   * @return the view; its position and limit are the caller's own
   * @throws IllegalStateException if the record was released
   */
  public ByteBuffer data() {
    ByteBuffer data = slot.data;
    // Perf: one view per call. A pooled record's bytes are its block's read-only twin, limited to the record: its
    // slice ends there too. A plain record's bytes already end at their capacity. Cut before the check, which then
    // vouches that the twin's limit was not yet the next record's.
    ByteBuffer view = null;
    if (data != null) {
      view = data.isReadOnly() ? data.slice() : data.asReadOnlyBuffer();
    }
    checkLive();
    return view;
  }

  /**
   * A copy of the record's bytes.
   *
   * @return a new array of {@link #dataLength()} bytes, the caller's to keep
   * @throws IllegalStateException if the record was released
   */
  public byte[] dataBytes() {
    ByteBuffer data = slot.data;
    checkLive();
    byte[] copy = new byte[slot.dataLength];
    data.duplicate().get(copy);
    checkLive(); // released while copying: the copy may hold another record's bytes
    return copy;
  }

  /**
   * Number of bytes of data.
   *
   * @return the data length, without the partition key (see {@link #sizeInBytes()})
   * @throws IllegalStateException if the record was released
   */
  public int dataLength() {
    int dataLength = slot.dataLength;
    checkLive();
    return dataLength;
  }

  /**
   * The bytes Kinesis counts for this record against its record and request limits: data plus the UTF-8 bytes of
   * the partition key.
   *
   * @return {@link #dataLength()} plus the partition key's UTF-8 length
   * @throws IllegalStateException if the record was released
   */
  public long sizeInBytes() {
    return (long) dataLength() + Utf8.encodedLength(partitionKey());
  }

  /**
   * How many user records this record carries (1 for a raw or plain record).
   *
   * @return the count, at least 1
   * @throws IllegalStateException if the record was released
   */
  public int userRecordCount() {
    int userRecordCount = slot.userRecordCount;
    checkLive();
    return userRecordCount;
  }

  /**
   * Whether the bytes are in the aggregated format (magic, protobuf, MD5).
   *
   * @return true for an aggregate, false for a lone user record sent raw or a plain record
   * @throws IllegalStateException if the record was released
   */
  public boolean isAggregated() {
    boolean aggregated = slot.aggregated;
    checkLive();
    return aggregated;
  }

  /**
   * The shard the aggregator expects this record to land on, from its shard map; null without one.
   *
   * @return the shard id, or null for a plain record or one from an aggregator without a shard map
   * @throws IllegalStateException if the record was released
   */
  public String predictedShardId() {
    String predictedShardId = slot.predictedShardId;
    checkLive();
    return predictedShardId;
  }

  /**
   * Whether {@link #release()} has been called.
   *
   * @return true once the record was released, on any thread; never throws
   */
  public boolean isReleased() {
    return slot.owner != this;
  }

  /**
   * Gives the record's buffer back to its pool and ends the record. Idempotent and safe from any thread; see the
   * class comment for what may no longer be used afterwards.
   */
  public void release() {
    slot.release(this);
  }

  /**
   * Throws if the record was released. Called after reading a slot's field: the fence keeps the read of the owner
   * after it, so a field overwritten by the slot's next record is never returned (the check of a sequence lock).
   */
  private void checkLive() {
    VarHandle.acquireFence();
    if (slot.owner != this) {
      throw new IllegalStateException("This record was released; its buffer may already hold another record");
    }
  }

  @Override
  public String toString() {
    Slot slot = this.slot;
    String description = "KinesisRecord{partitionKey=" + slot.partitionKey
        + ", explicitHashKey=" + slot.explicitHashKey
        + ", dataLength=" + slot.dataLength
        + ", userRecords=" + slot.userRecordCount
        + ", aggregated=" + slot.aggregated
        + (slot.predictedShardId == null ? "" : ", predictedShardId=" + slot.predictedShardId)
        + "}";
    VarHandle.acquireFence();
    return slot.owner == this ? description : "KinesisRecord{released}";
  }

  /**
   * The contents of one record at a time. Written by the aggregator's thread before {@link #issue} publishes the
   * handle through the volatile {@link #owner}; cleared and recycled by whichever thread releases that handle.
   */
  static final class Slot {
    private static final VarHandle OWNER;

    static {
      try {
        OWNER = MethodHandles.lookup().findVarHandle(Slot.class, "owner", KinesisRecord.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    /** Where the slot goes once released; null for plain records. */
    private final Slots home;
    private String partitionKey;
    private String explicitHashKey;
    private String predictedShardId;
    /** The record's bytes, position 0 to limit: read-only, or ending at their capacity. */
    private ByteBuffer data;
    /** The pooled memory holding them, to give back on release; null for plain records. */
    private BufferPool.Block block;
    private int dataLength;
    private int userRecordCount;
    private boolean aggregated;
    /** The live record holding this slot; null while free. */
    private volatile KinesisRecord owner;

    Slot(Slots home) {
      this.home = home;
    }

    /**
     * Fills the slot and hands it to a new record.
     *
     * @param data {@code block.written()}, or a plain record's bytes (position 0, limit == capacity)
     */
    KinesisRecord issue(String partitionKey, String explicitHashKey, ByteBuffer data, BufferPool.Block block,
        int userRecordCount, boolean aggregated, String predictedShardId) {
      this.partitionKey = partitionKey;
      this.explicitHashKey = explicitHashKey;
      this.data = data;
      this.dataLength = data.remaining();
      this.block = block;
      this.userRecordCount = userRecordCount;
      this.aggregated = aggregated;
      this.predictedShardId = predictedShardId;
      KinesisRecord record = new KinesisRecord(this);
      owner = record;
      return record;
    }

    void release(KinesisRecord record) {
      if (!OWNER.compareAndSet(this, record, null)) {
        return; // released before, by this handle or (with the slot since reused) by an earlier one
      }
      BufferPool.Block released = block;
      partitionKey = null;
      explicitHashKey = null;
      predictedShardId = null;
      data = null;
      block = null;
      if (home != null) {
        home.recycle(this);
      }
      if (released != null) {
        released.pool.giveBack(released); // at most once: only the CAS's winner gets here
      }
    }
  }

  /**
   * An aggregator's free slots. Thread-safe: records are issued on the aggregator's thread and released on any.
   * At most {@value #MAX_FREE} are kept: a burst of records in flight does not pin memory afterwards.
   */
  static final class Slots {
    private static final int MAX_FREE = 256;
    private final Slot[] free = new Slot[MAX_FREE];
    private int count;

    /**
     * A new record over the bytes written into {@code block} (from 0 to its buffer's position), in a recycled slot
     * when there is one. The record owns the block and gives it back to its pool on release.
     */
    KinesisRecord issue(String partitionKey, String explicitHashKey, BufferPool.Block block, int userRecordCount,
        boolean aggregated, String predictedShardId) {
      Slot slot = take();
      return (slot != null ? slot : new Slot(this)).issue(partitionKey, explicitHashKey, block.written(), block,
          userRecordCount, aggregated, predictedShardId);
    }

    private synchronized Slot take() {
      if (count == 0) {
        return null;
      }
      Slot slot = free[--count];
      free[count] = null;
      return slot;
    }

    synchronized void recycle(Slot slot) {
      if (count < MAX_FREE) {
        free[count++] = slot;
      }
    }
  }
}
