package io.kplcodec;

import io.kplcodec.internal.Limits;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Splits records into PutRecords requests: at most 500 entries (or fewer, configured) and at most a request byte
 * limit each, counting data plus partition key per entry as the service does, order kept.
 *
 * <p>A record that exceeds the per-record limit (or alone exceeds the request limit) is never silently dropped: by
 * default {@link #split} throws a {@link RecordTooLargeException} naming it, before returning anything; with
 * {@link Builder#rejectOversizeRecords(boolean) rejectOversizeRecords(true)} it is listed in {@link
 * Batches#rejected()} and the others are batched.
 *
 * <p>Works for plain records ({@link KinesisRecord#of}) and {@link Aggregator} output alike. Immutable and
 * thread-safe.
 */
public final class PutRecordsBatcher {
  private final int maxEntriesPerRequest;
  private final long maxRequestBytes;
  private final long maxRecordBytes;
  private final boolean rejectOversize;

  private PutRecordsBatcher(Builder builder) {
    this.maxEntriesPerRequest = builder.maxEntriesPerRequest;
    this.maxRequestBytes = builder.maxRequestBytes;
    this.maxRecordBytes = builder.maxRecordBytes;
    this.rejectOversize = builder.rejectOversize;
  }

  /**
   * A builder with the defaults: 500 entries, 5 MiB requests, 1 MiB records, oversize records throw.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Splits {@code records} into requests, in order.
   *
   * @param records the records to send, in order, none null; iterated once
   * @return the requests and the rejected records
   * @throws RecordTooLargeException for the first oversize record, unless oversize records are rejected into the
   *     result
   * @throws NullPointerException if {@code records} or one of its records is null
   * @throws IllegalStateException if a record was released
   */
  public Batches split(Iterable<KinesisRecord> records) {
    long limit = Math.min(maxRecordBytes, maxRequestBytes);
    List<List<KinesisRecord>> requests = new ArrayList<>();
    List<KinesisRecord> rejected = new ArrayList<>();
    List<KinesisRecord> request = new ArrayList<>();
    long requestBytes = 0;
    for (KinesisRecord record : records) {
      long size = Objects.requireNonNull(record, "record").sizeInBytes();
      if (size > limit) {
        if (!rejectOversize) {
          throw new RecordTooLargeException("A record of " + size + " bytes (data plus partition key) exceeds the "
              + (limit == maxRecordBytes ? "maximum record size" : "maximum request size") + " of " + limit
              + " bytes: " + record, size, limit);
        }
        rejected.add(record);
        continue;
      }
      if (request.size() == maxEntriesPerRequest || requestBytes + size > maxRequestBytes) {
        requests.add(Collections.unmodifiableList(request));
        request = new ArrayList<>();
        requestBytes = 0;
      }
      request.add(record);
      requestBytes += size;
    }
    if (!request.isEmpty()) {
      requests.add(Collections.unmodifiableList(request));
    }
    return new Batches(Collections.unmodifiableList(requests), Collections.unmodifiableList(rejected));
  }

  /** The result of {@link #split}: requests in order, and the records that can never be sent. Immutable. */
  public static final class Batches {
    private final List<List<KinesisRecord>> requests;
    private final List<KinesisRecord> rejected;

    private Batches(List<List<KinesisRecord>> requests, List<KinesisRecord> rejected) {
      this.requests = requests;
      this.rejected = rejected;
    }

    /**
     * The PutRecords requests, each within the entry and byte limits, records in input order.
     *
     * @return the requests, unmodifiable, none empty; empty when there was nothing to send
     */
    public List<List<KinesisRecord>> requests() {
      return requests;
    }

    /**
     * Records over the per-record limit (empty unless oversize records are rejected rather than thrown).
     *
     * @return the rejected records in input order, unmodifiable
     */
    public List<KinesisRecord> rejected() {
      return rejected;
    }
  }

  /** Configures a {@link PutRecordsBatcher}. Not thread-safe. */
  public static final class Builder {
    private int maxEntriesPerRequest = Limits.MAX_ENTRIES_PER_REQUEST;
    private long maxRequestBytes = Limits.DEFAULT_MAX_REQUEST_SIZE;
    private long maxRecordBytes = Limits.DEFAULT_MAX_RECORD_SIZE;
    private boolean rejectOversize;

    private Builder() {}

    /**
     * Entries per request, 1..500 (default 500).
     *
     * @param entries the most records per request, 1 to 500
     * @return this builder
     * @throws IllegalArgumentException if {@code entries} is out of range
     */
    public Builder maxEntriesPerRequest(int entries) {
      this.maxEntriesPerRequest =
          Limits.checkRange("maxEntriesPerRequest", entries, 1, Limits.MAX_ENTRIES_PER_REQUEST);
      return this;
    }

    /**
     * Bytes per request, data plus partition keys, up to 10,485,760 (default 5 MiB: the KPL's default, and the
     * service limit before 2025-10).
     *
     * @param bytes the most bytes per request, 1 to 10,485,760
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is out of range
     */
    public Builder maxRequestSize(int bytes) {
      this.maxRequestBytes = Limits.checkRange("maxRequestSize", bytes, 1, Limits.MAX_REQUEST_SIZE);
      return this;
    }

    /**
     * The stream's maximum record size, data plus partition key, up to 10,485,760 (default 1,048,576); the same
     * setting as {@link Aggregator.Builder#maxRecordSize}.
     *
     * @param bytes the most bytes per record, 1 to 10,485,760
     * @return this builder
     * @throws IllegalArgumentException if {@code bytes} is out of range
     */
    public Builder maxRecordSize(int bytes) {
      this.maxRecordBytes = Limits.checkRange("maxRecordSize", bytes, 1, Limits.MAX_RECORD_SIZE);
      return this;
    }

    /**
     * Whether oversize records go to {@link Batches#rejected()} (true) or make {@link #split} throw (false).
     *
     * @param reject true to reject oversize records into the result, false (the default) to throw
     * @return this builder
     */
    public Builder rejectOversizeRecords(boolean reject) {
      this.rejectOversize = reject;
      return this;
    }

    /**
     * The batcher.
     *
     * @return a new batcher with this configuration
     */
    public PutRecordsBatcher build() {
      return new PutRecordsBatcher(this);
    }
  }
}
