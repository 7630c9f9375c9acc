package io.kplcodec.internal;

import java.util.Arrays;

/**
 * The records of one aggregate as read: per record its partition key index, where its data is, and its explicit
 * hash key index if it has one. Reused across aggregates; not thread-safe.
 *
 * <p>Layout (see {@code codec-core/DESIGN.md}, "Record scratch"): three ints per record side by side in {@link
 * #records}, written and read in sequence, so that the common record costs three stores. Explicit hash key indexes
 * live apart, in {@link #explicitHashKeyIndexes}: the KPL sets them rarely, so that array stays empty until the first
 * record that has one, which fills in those before it. A record's field offset, needed only for error reports, is
 * not kept (the reader finds it again).
 */
final class RecordEntries {
  static final int NONE = -1;
  static final int STRIDE = 3;
  static final int PARTITION_KEY_INDEX = 0;
  static final int DATA_OFFSET = 1;
  static final int DATA_LENGTH = 2;
  private static final int INITIAL_RECORDS = 64;

  int[] records = new int[INITIAL_RECORDS * STRIDE];
  int count;
  /** The largest partition key and explicit hash key index of the records read, NONE when there are none. */
  int maxPartitionKeyIndex = NONE;
  int maxExplicitHashKeyIndex = NONE;
  /** Per record, its explicit hash key index or NONE; valid for the first {@link #explicitHashKeyIndexCount}. */
  private int[] explicitHashKeyIndexes = new int[0];
  private int explicitHashKeyIndexCount;

  void clear() {
    count = 0;
    explicitHashKeyIndexCount = 0;
    maxPartitionKeyIndex = NONE;
    maxExplicitHashKeyIndex = NONE;
  }

  /** Appends a record read by the general path. */
  void add(int partitionKeyIndex, int explicitHashKeyIndex, int dataOffset, int dataLength) {
    int at = count * STRIDE;
    if (at == records.length) {
      records = Arrays.copyOf(records, at * 2);
    }
    maxPartitionKeyIndex = Math.max(maxPartitionKeyIndex, partitionKeyIndex);
    maxExplicitHashKeyIndex = Math.max(maxExplicitHashKeyIndex, explicitHashKeyIndex);
    if (explicitHashKeyIndex != NONE) {
      setExplicitHashKeyIndex(count, explicitHashKeyIndex);
    }
    store(records, at, partitionKeyIndex, dataOffset, dataLength);
    count++;
  }

  /** Writes one record's entry of {@code r} at {@code at}, in the layout the class comment describes. */
  static void store(int[] r, int at, int partitionKeyIndex, int dataOffset, int dataLength) {
    r[at + PARTITION_KEY_INDEX] = partitionKeyIndex;
    r[at + DATA_OFFSET] = dataOffset;
    r[at + DATA_LENGTH] = dataLength;
  }

  void setExplicitHashKeyIndex(int record, int explicitHashKeyIndex) {
    fillExplicitHashKeyIndexes(record + 1);
    explicitHashKeyIndexes[record] = explicitHashKeyIndex;
  }

  /** Completes the explicit hash key indexes once every record is read. */
  void finish() {
    if (explicitHashKeyIndexCount > 0) {
      fillExplicitHashKeyIndexes(count);
    }
  }

  /** Extends the explicit hash key indexes to the first {@code records} records, those it adds having none. */
  private void fillExplicitHashKeyIndexes(int records) {
    if (explicitHashKeyIndexes.length < records) {
      int capacity = Math.max(records, explicitHashKeyIndexes.length * 2);
      explicitHashKeyIndexes = Arrays.copyOf(explicitHashKeyIndexes, capacity);
    }
    Arrays.fill(explicitHashKeyIndexes, explicitHashKeyIndexCount, records, NONE);
    explicitHashKeyIndexCount = records;
  }

  int partitionKeyIndex(int record) {
    return records[record * STRIDE + PARTITION_KEY_INDEX];
  }

  int explicitHashKeyIndex(int record) {
    return record < explicitHashKeyIndexCount ? explicitHashKeyIndexes[record] : NONE;
  }

  /** The explicit hash key indexes of every record, or null when no record has one. */
  int[] explicitHashKeyIndexesOrNull() {
    return explicitHashKeyIndexCount > 0 ? explicitHashKeyIndexes : null;
  }

  int dataOffset(int record) {
    return records[record * STRIDE + DATA_OFFSET];
  }

  int dataLength(int record) {
    return records[record * STRIDE + DATA_LENGTH];
  }

  /** Whether the arrays grew past {@code entries} records. */
  boolean isLargerThan(int entries) {
    return records.length > entries * STRIDE || explicitHashKeyIndexes.length > entries;
  }

  /** Back to the initial size. */
  void shrink() {
    records = new int[INITIAL_RECORDS * STRIDE];
    explicitHashKeyIndexes = new int[0];
  }
}
