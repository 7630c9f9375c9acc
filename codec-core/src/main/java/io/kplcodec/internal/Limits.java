package io.kplcodec.internal;

/** Kinesis service limits and the checks that enforce them on user input. */
public final class Limits {
  private Limits() {}

  /** Default maximum record size: data plus partition key. */
  public static final int DEFAULT_MAX_RECORD_SIZE = 1 << 20;
  /** The largest maximum record size a stream can be configured with (10 MiB). */
  public static final int MAX_RECORD_SIZE = 10 << 20;
  /** PutRecords accepts at most this many entries. */
  public static final int MAX_ENTRIES_PER_REQUEST = 500;
  /** KPL's default request size (and the service limit before 2025-10). */
  public static final int DEFAULT_MAX_REQUEST_SIZE = 5 << 20;
  /** The service's PutRecords request limit, partition keys included. */
  public static final int MAX_REQUEST_SIZE = 10 << 20;
  /** A partition key has 1 to 256 characters. */
  public static final int MAX_PARTITION_KEY_LENGTH = 256;

  /**
   * Checks a partition key: not null, 1 to 256 characters. Characters are counted as UTF-16 units, the stricter
   * reading of the service's limit, so that a key accepted here is never refused by the service.
   *
   * @param partitionKey the key to check
   * @return {@code partitionKey}, for use in assignments
   * @throws NullPointerException if it is null
   * @throws IllegalArgumentException if it is empty or longer than 256 characters
   */
  public static String checkPartitionKey(String partitionKey) {
    if (partitionKey == null) {
      throw new NullPointerException("partitionKey");
    }
    int length = partitionKey.length();
    if (length == 0 || length > MAX_PARTITION_KEY_LENGTH) {
      throw new IllegalArgumentException(
          "A partition key must have 1 to 256 characters; this one has " + length);
    }
    return partitionKey;
  }

  /**
   * Checks a configured size limit lies in {@code [min, max]}.
   *
   * @param name the setting's name, for the exception message
   * @param value the configured value
   * @param min the smallest value allowed
   * @param max the largest value allowed, at most {@link Integer#MAX_VALUE}
   * @return {@code value} as an int, for use in assignments
   * @throws IllegalArgumentException if {@code value} is outside {@code [min, max]}
   */
  public static int checkRange(String name, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be in " + min + ".." + max + ", not " + value);
    }
    return (int) value;
  }
}
