package io.kplcodec;

import io.kplcodec.CorruptAggregateException.Reason;
import io.kplcodec.internal.AggregateReader;
import io.kplcodec.internal.Framing;
import io.kplcodec.internal.HashKey;
import io.kplcodec.internal.Md5;
import io.kplcodec.internal.ScratchPool;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Takes the user records out of a Kinesis record, as the KCL consumer does but without losing any silently.
 *
 * <p>Input is the Kinesis record's data: the remaining bytes of a {@link ByteBuffer} (heap, direct or read-only;
 * its position is never moved) or a {@code byte[]}. User record data comes back as zero-copy read-only views of it,
 * or, in the visitor form, as ranges of the input buffer itself.
 *
 * <ul>
 *   <li>Not aggregated (shorter than magic + MD5 + one byte, no magic, or MD5 mismatch): passed through as one user
 *       record with {@code isAggregated() == false} and null keys (the caller has the Kinesis record's own key),
 *       exactly as KCL passes it through.
 *   <li>Corrupt (magic and MD5 right, content invalid): by default a {@link CorruptAggregateException} and nothing
 *       emitted. With {@link Builder#passCorruptAggregatesThrough} the whole record is passed through raw, as KCL
 *       does, and the listener hears why. Never a partial result: the whole message is validated before the first
 *       user record is emitted.
 *   <li>Hash-range filter: given the consuming shard's range, a {@link HashRangePolicy} decides what happens to
 *       user records whose hash key (explicit hash key, else MD5 of the partition key) lies outside it. Every
 *       dropped user record is reported to the {@link Listener}, so kept + dropped always equals the total.
 *       Records that were not aggregated are never filtered, as in KCL.
 *   <li>{@link Builder#verifyMd5(boolean) verifyMd5(false)} skips the checksum for input you trust (for example
 *       bytes you just produced); the MD5 bytes are then not checked at all.
 * </ul>
 *
 * <p>An aggregate with no records is valid and yields no user records (KCL does the same).
 *
 * <p>Immutable and thread-safe; one instance can serve all threads. Each thread reuses its own scratch space, so
 * the visitor form allocates nothing in steady state (see {@link #visit(ByteBuffer, UserRecordVisitor)}).
 */
public final class Deaggregator {
  /** What to do with user records outside the consuming shard's hash key range. */
  public enum HashRangePolicy {
    /** Keep every user record (the default). */
    KEEP_ALL,
    /** Drop only the user records outside the range, and report each. */
    DROP_OUT_OF_RANGE_RECORDS,
    /** Drop the whole aggregate if any user record is outside the range, and report each (KCL's behaviour). */
    DROP_WHOLE_AGGREGATE
  }

  /** Why a user record was dropped. */
  public enum DropReason {
    /** Its hash key is outside the consuming shard's range. */
    OUT_OF_RANGE,
    /** It is in range, but its aggregate had one that was not and the policy drops whole aggregates. */
    AGGREGATE_DROPPED
  }

  /** Hears what a deaggregator drops or passes through; called on the deaggregating thread. */
  public interface Listener {
    /**
     * A user record was dropped by the hash-range filter.
     *
     * @param record the dropped user record, a read-only view of the input as a kept one would be
     * @param reason whether the record itself is out of range, or its aggregate was dropped whole
     */
    default void dropped(UserRecord record, DropReason reason) {}

    /**
     * A corrupt aggregate was passed through raw (only with {@link Builder#passCorruptAggregatesThrough}).
     *
     * @param cause the exception that would otherwise have been thrown, with the offset and the reason
     */
    default void corruptPassedThrough(CorruptAggregateException cause) {}
  }

  private static final Listener SILENT = new Listener() {};
  /** Scratch shared by all threads, so that fresh virtual threads reuse it too (see {@link ScratchPool}). */
  private static final ScratchPool<Scan> SCANS = ScratchPool.perCore(Scan::new);

  private final boolean verifyMd5;
  private final boolean passCorruptThrough;
  private final HashKeyRange hashRange;
  private final HashRangePolicy hashRangePolicy;
  private final Listener listener;

  private Deaggregator(boolean verifyMd5, boolean passCorruptThrough, HashKeyRange hashRange,
      HashRangePolicy hashRangePolicy, Listener listener) {
    this.verifyMd5 = verifyMd5;
    this.passCorruptThrough = passCorruptThrough;
    this.hashRange = hashRange;
    this.hashRangePolicy = hashRangePolicy;
    this.listener = listener;
  }

  /**
   * A builder with the defaults: MD5 verified, corrupt aggregates rejected, no hash-range filter.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A deaggregator with the defaults.
   *
   * @return a deaggregator that verifies the MD5, rejects corrupt aggregates and filters nothing
   */
  public static Deaggregator create() {
    return builder().build();
  }

  /**
   * A builder holding this deaggregator's configuration, for example to derive one per consuming shard from a
   * configured base: {@code base.toBuilder().hashRange(shardRange).build()}.
   *
   * @return a new builder; changing it does not change this deaggregator
   */
  public Builder toBuilder() {
    Builder builder = new Builder();
    builder.verifyMd5 = verifyMd5;
    builder.passCorruptThrough = passCorruptThrough;
    builder.hashRange = hashRange;
    builder.hashRangePolicy = hashRangePolicy;
    builder.listener = listener;
    return builder;
  }

  /**
   * What the record is, without emitting anything; a corrupt aggregate is reported as {@link
   * Classification#CORRUPT} rather than thrown.
   *
   * @param record the Kinesis record's data, from position to limit (heap, direct or read-only); its position is
   *     not moved
   * @return what the record is, never null; the listener hears nothing either way
   */
  public Classification classify(ByteBuffer record) {
    Scan scan = SCANS.take();
    try {
      return scan(scan, record, false);
    } finally {
      scan.giveBack();
    }
  }

  /**
   * What the record is, as {@link #classify(ByteBuffer)} decides it.
   *
   * @param record the Kinesis record's data
   * @return what the record is, never null
   */
  public Classification classify(byte[] record) {
    return classify(ByteBuffer.wrap(record));
  }

  /**
   * All user records of the record, in order (dropped ones left out and reported).
   *
   * @param record the Kinesis record's data, from position to limit (heap, direct or read-only); its position is
   *     not moved
   * @return the kept user records, in order, their data read-only views of {@code record}; for a record that is not
   *     an aggregate (or a corrupt one passed through), the whole record as one user record
   * @throws CorruptAggregateException if the record is a corrupt aggregate and corrupt aggregates are not passed
   *     through
   */
  public List<UserRecord> deaggregate(ByteBuffer record) {
    List<UserRecord> records = new ArrayList<>();
    visit(record, (partitionKey, explicitHashKey, source, offset, length, subSequenceNumber) ->
        records.add(userRecord(partitionKey, explicitHashKey, source, offset, length, subSequenceNumber)));
    return records;
  }

  /**
   * All user records of the record, as {@link #deaggregate(ByteBuffer)} takes them out.
   *
   * @param record the Kinesis record's data; user records are views of it, so it must not change while they are used
   * @return the kept user records, in order
   * @throws CorruptAggregateException as {@link #deaggregate(ByteBuffer)}
   */
  public List<UserRecord> deaggregate(byte[] record) {
    return deaggregate(ByteBuffer.wrap(record));
  }

  /**
   * The user records, created as the iteration reaches them. The record is validated in full before this returns,
   * so iteration never fails; drops are reported as the iteration passes them.
   *
   * @param record the Kinesis record's data, from position to limit (heap, direct or read-only); its position is
   *     not moved
   * @return an iterator over the kept user records, in order
   * @throws CorruptAggregateException as {@link #deaggregate(ByteBuffer)}
   */
  public Iterator<UserRecord> iterator(ByteBuffer record) {
    Scan scan = new Scan(); // not the thread's: the iterator outlives this call
    Classification classification = scan(scan, record, true);
    ByteBuffer source = record.asReadOnlyBuffer();
    if (classification != Classification.AGGREGATED) {
      return List.of(passThrough(source)).iterator();
    }
    return new UserRecordIterator(scan, source);
  }

  /**
   * The user records, created as the iteration reaches them (see {@link #iterator(ByteBuffer)}).
   *
   * @param record the Kinesis record's data; user records are views of it, so it must not change while they are used
   * @return an iterator over the kept user records, in order
   * @throws CorruptAggregateException as {@link #deaggregate(ByteBuffer)}
   */
  public Iterator<UserRecord> iterator(byte[] record) {
    return iterator(ByteBuffer.wrap(record));
  }

  /**
   * The user records as a sequential, ordered stream (see {@link #iterator(ByteBuffer)}).
   *
   * @param record the Kinesis record's data, from position to limit (heap, direct or read-only); its position is
   *     not moved
   * @return a stream of the kept user records, in order
   * @throws CorruptAggregateException as {@link #deaggregate(ByteBuffer)}
   */
  public Stream<UserRecord> stream(ByteBuffer record) {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(record),
        Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.IMMUTABLE), false);
  }

  /**
   * The user records as a sequential, ordered stream (see {@link #stream(ByteBuffer)}).
   *
   * @param record the Kinesis record's data; user records are views of it, so it must not change while they are used
   * @return a stream of the kept user records, in order
   * @throws CorruptAggregateException as {@link #deaggregate(ByteBuffer)}
   */
  public Stream<UserRecord> stream(byte[] record) {
    return stream(ByteBuffer.wrap(record));
  }

  /**
   * Hands every kept user record to {@code visitor}, in order. The visitor is given {@code record} itself as its
   * source (see {@link UserRecordVisitor}), so in steady state nothing is allocated: partition keys recently seen
   * on this thread are not decoded again. Only dropped user records (reported as {@link UserRecord}s) and keys new
   * to the thread cost objects.
   *
   * @param record the Kinesis record's data, from position to limit (heap, direct or read-only); neither this call
   *     nor a well-behaved visitor moves its position or limit
   * @param visitor receives each kept user record, not null
   * @return what the record was; for {@link Classification#CORRUPT} (only when passing corrupt aggregates
   *     through) and {@link Classification#NOT_AGGREGATED} the visitor received the whole record once
   * @throws CorruptAggregateException as {@link #deaggregate(ByteBuffer)}; the visitor then received nothing
   */
  public Classification visit(ByteBuffer record, UserRecordVisitor visitor) {
    Objects.requireNonNull(visitor, "visitor");
    Scan scan = SCANS.take(); // a visitor that deaggregates again on this thread takes another
    try {
      Classification classification = scan(scan, record, true);
      // Perf: the visitor reads the caller's own buffer, not a view of it: nothing allocated per call either.
      if (classification != Classification.AGGREGATED) {
        visitor.visit(null, null, record, record.position(), record.remaining(), 0);
        return classification;
      }
      AggregateReader reader = scan.reader;
      if (!scan.filtering) {
        reader.visitAll(record, visitor);
        return classification;
      }
      int count = reader.recordCount();
      for (int i = 0; i < count; i++) {
        if (!scan.keeps(i)) {
          reportDrop(scan, record, i);
          continue;
        }
        visitor.visit(reader.partitionKey(reader.partitionKeyIndex(i)),
            reader.explicitHashKey(reader.explicitHashKeyIndex(i)), record, reader.dataOffset(i),
            reader.dataLength(i), i);
      }
      return classification;
    } finally {
      scan.giveBack();
    }
  }

  /**
   * As {@link #visit(ByteBuffer, UserRecordVisitor)}, over a buffer wrapping {@code record} (one allocation).
   *
   * @param record the Kinesis record's data
   * @param visitor receives each kept user record, with the wrapping buffer as its source; not null
   * @return what the record was, as {@link #visit(ByteBuffer, UserRecordVisitor)} says
   * @throws CorruptAggregateException as {@link #deaggregate(ByteBuffer)}; the visitor then received nothing
   */
  public Classification visit(byte[] record, UserRecordVisitor visitor) {
    return visit(ByteBuffer.wrap(record), visitor);
  }

  /** Classifies and validates the record, and decides which user records the hash-range filter keeps. */
  private Classification scan(Scan scan, ByteBuffer record, boolean throwCorrupt) {
    scan.filtering = false;
    int start = record.position();
    int end = record.limit();
    if (end - start < Framing.MIN_AGGREGATED_LENGTH || !Framing.hasMagic(record, start)) {
      return Classification.NOT_AGGREGATED;
    }
    int messageEnd = end - Md5.LENGTH;
    AggregateReader reader = scan.reader;
    reader.attach(record, start, end);
    if (verifyMd5) {
      byte[] bytes = reader.bytes();
      int message = reader.arrayIndex(start + Framing.MAGIC_LENGTH);
      int expected = reader.arrayIndex(messageEnd);
      byte[] digest = scan.md5.hash(bytes, message, expected - message);
      if (!Arrays.equals(digest, 0, Md5.LENGTH, bytes, expected, expected + Md5.LENGTH)) {
        reader.clear();
        return Classification.NOT_AGGREGATED;
      }
    }
    try {
      reader.read(start + Framing.MAGIC_LENGTH, messageEnd, start);
      scan.filtering = hashRange != null && hashRangePolicy != HashRangePolicy.KEEP_ALL;
      if (scan.filtering) {
        scan.applyFilter(hashRange, hashRangePolicy);
      }
      return Classification.AGGREGATED;
    } catch (CorruptAggregateException e) {
      scan.reader.clear();
      if (throwCorrupt && !passCorruptThrough) {
        throw e;
      }
      if (throwCorrupt) {
        listener.corruptPassedThrough(e);
      }
      return Classification.CORRUPT;
    }
  }

  private void reportDrop(Scan scan, ByteBuffer source, int record) {
    AggregateReader reader = scan.reader;
    UserRecord dropped = userRecord(reader.partitionKey(reader.partitionKeyIndex(record)),
        reader.explicitHashKey(reader.explicitHashKeyIndex(record)), source, reader.dataOffset(record),
        reader.dataLength(record), record);
    listener.dropped(dropped, scan.inRange[record] ? DropReason.AGGREGATE_DROPPED : DropReason.OUT_OF_RANGE);
  }

  private static UserRecord passThrough(ByteBuffer source) {
    return new UserRecord(null, null, source.slice(), 0, false);
  }

  private static UserRecord userRecord(String partitionKey, String explicitHashKey, ByteBuffer source, int offset,
      int length, long subSequenceNumber) {
    // The source may be the caller's writable buffer; user records are read-only views of it.
    ByteBuffer data = source.asReadOnlyBuffer();
    data.limit(offset + length).position(offset);
    if (partitionKey == null) {
      return passThrough(data);
    }
    return new UserRecord(partitionKey, explicitHashKey, data.slice(), subSequenceNumber, true);
  }

  /** Iterates a validated aggregate. */
  private final class UserRecordIterator implements Iterator<UserRecord> {
    private final Scan scan;
    private final ByteBuffer source;
    private int next;

    UserRecordIterator(Scan scan, ByteBuffer source) {
      this.scan = scan;
      this.source = source;
      skipDropped();
    }

    @Override
    public boolean hasNext() {
      return next < scan.reader.recordCount();
    }

    @Override
    public UserRecord next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      AggregateReader reader = scan.reader;
      int i = next++;
      UserRecord record = userRecord(reader.partitionKey(reader.partitionKeyIndex(i)),
          reader.explicitHashKey(reader.explicitHashKeyIndex(i)), source, reader.dataOffset(i),
          reader.dataLength(i), i);
      skipDropped();
      return record;
    }

    private void skipDropped() {
      while (scan.filtering && next < scan.reader.recordCount() && !scan.keeps(next)) {
        reportDrop(scan, source, next++);
      }
    }
  }

  /** Scratch for one call at a time: the reader, a digest, and the hash-range decisions of one record. */
  private static final class Scan {
    final AggregateReader reader = new AggregateReader();
    final Md5 md5 = new Md5();
    final HashKey key = new HashKey();
    boolean filtering;
    boolean wholeAggregateDropped;
    boolean[] inRange = new boolean[64];
    long[] partitionKeyHigh = new long[16];
    long[] partitionKeyLow = new long[16];
    boolean[] partitionKeyHashed = new boolean[16];
    long[] explicitHashKeyHigh = new long[4];
    long[] explicitHashKeyLow = new long[4];
    boolean[] explicitHashKeyParsed = new boolean[4];

    /** Forgets the record and gives this scan back to the pool. */
    void giveBack() {
      reader.clear();
      SCANS.giveBack(this);
    }

    boolean keeps(int record) {
      return inRange[record] && !wholeAggregateDropped;
    }

    /** Decides, before anything is emitted, which user records lie in the range. */
    void applyFilter(HashKeyRange range, HashRangePolicy policy) {
      int records = reader.recordCount();
      if (inRange.length < records) {
        inRange = new boolean[Math.max(records, inRange.length * 2)];
      }
      int partitionKeys = reader.partitionKeyCount();
      if (partitionKeyHashed.length < partitionKeys) {
        int n = Math.max(partitionKeys, partitionKeyHashed.length * 2);
        partitionKeyHigh = new long[n];
        partitionKeyLow = new long[n];
        partitionKeyHashed = new boolean[n];
      }
      Arrays.fill(partitionKeyHashed, 0, partitionKeys, false);
      int explicitHashKeys = reader.explicitHashKeyCount();
      if (explicitHashKeyParsed.length < explicitHashKeys) {
        int n = Math.max(explicitHashKeys, explicitHashKeyParsed.length * 2);
        explicitHashKeyHigh = new long[n];
        explicitHashKeyLow = new long[n];
        explicitHashKeyParsed = new boolean[n];
      }
      Arrays.fill(explicitHashKeyParsed, 0, explicitHashKeys, false);
      boolean anyOutside = false;
      for (int i = 0; i < records; i++) {
        hashKeyOf(i);
        inRange[i] = range.contains(key.high(), key.low());
        anyOutside |= !inRange[i];
      }
      wholeAggregateDropped = anyOutside && policy == HashRangePolicy.DROP_WHOLE_AGGREGATE;
    }

    /** Sets {@link #key} to the record's hash key, computing each table entry's key once. */
    private void hashKeyOf(int record) {
      int e = reader.explicitHashKeyIndex(record);
      if (e >= 0) {
        if (!explicitHashKeyParsed[e]) {
          try {
            key.parse(reader.explicitHashKey(e), "Explicit hash key");
          } catch (IllegalArgumentException notAHashKey) {
            throw new CorruptAggregateException(reader.recordOffset(record), Reason.INVALID_EXPLICIT_HASH_KEY);
          }
          explicitHashKeyHigh[e] = key.high();
          explicitHashKeyLow[e] = key.low();
          explicitHashKeyParsed[e] = true;
        }
        key.set(explicitHashKeyHigh[e], explicitHashKeyLow[e]);
        return;
      }
      int p = reader.partitionKeyIndex(record);
      if (!partitionKeyHashed[p]) {
        md5.hashKeyOf(reader.partitionKey(p), key);
        partitionKeyHigh[p] = key.high();
        partitionKeyLow[p] = key.low();
        partitionKeyHashed[p] = true;
      }
      key.set(partitionKeyHigh[p], partitionKeyLow[p]);
    }
  }

  /** Configures a {@link Deaggregator}. Not thread-safe. */
  public static final class Builder {
    private boolean verifyMd5 = true;
    private boolean passCorruptThrough;
    private HashKeyRange hashRange;
    private HashRangePolicy hashRangePolicy = HashRangePolicy.KEEP_ALL;
    private Listener listener = SILENT;

    private Builder() {}

    /**
     * Whether to check the MD5 (default true). Without it, any input of 21 bytes or more starting with the magic is
     * parsed as an aggregate: use only for input you trust.
     *
     * @param verify false to skip the MD5 check
     * @return this builder
     */
    public Builder verifyMd5(boolean verify) {
      this.verifyMd5 = verify;
      return this;
    }

    /**
     * Whether a corrupt aggregate is passed through raw as one not-aggregated user record, as KCL does (default
     * false: a {@link CorruptAggregateException}). The listener hears of each one passed through.
     *
     * @param passThrough true to pass corrupt aggregates through raw, false to throw
     * @return this builder
     */
    public Builder passCorruptAggregatesThrough(boolean passThrough) {
      this.passCorruptThrough = passThrough;
      return this;
    }

    /**
     * The consuming shard's hash key range (default: none, nothing filtered).
     *
     * @param range the range, not null; it filters only under a {@link #hashRangePolicy} other than {@code KEEP_ALL}
     * @return this builder
     */
    public Builder hashRange(HashKeyRange range) {
      this.hashRange = Objects.requireNonNull(range, "range");
      return this;
    }

    /**
     * What happens to user records outside the hash range (default {@link HashRangePolicy#KEEP_ALL}).
     *
     * @param policy the policy, not null; it has an effect only with a {@link #hashRange}
     * @return this builder
     */
    public Builder hashRangePolicy(HashRangePolicy policy) {
      this.hashRangePolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Hears of drops and of corrupt aggregates passed through.
     *
     * @param listener the listener, not null (default: one that ignores everything)
     * @return this builder
     */
    public Builder listener(Listener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * The deaggregator.
     *
     * @return a new deaggregator with this configuration
     */
    public Deaggregator build() {
      return new Deaggregator(verifyMd5, passCorruptThrough, hashRange, hashRangePolicy, listener);
    }
  }
}
