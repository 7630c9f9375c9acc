package io.kplcodec.cli;

/**
 * One Kinesis record read from kplc's input, with what the input said about it (null when it did not say).
 * Immutable; the data array is not copied and must not be changed.
 *
 * @param source the file (or {@code stdin}) it came from
 * @param location where in the source: {@code line 3}, {@code Records[2]}, or empty for a whole raw file
 * @param data the record's bytes
 * @param partitionKey the Kinesis record's partition key
 * @param explicitHashKey the Kinesis record's explicit hash key (only PutRecords-shaped input has one)
 * @param sequenceNumber its sequence number
 * @param shardId its shard (a Lambda event's eventID says)
 * @param arrival its approximate arrival time as an ISO-8601 instant ({@code 2026-01-01T00:00:00.123Z}), or as the
 *     input wrote it when that is not a time kplc can read
 * @param encryptionType {@code KMS} or {@code NONE}, when the input says
 */
record InputRecord(String source, String location, byte[] data, String partitionKey, String explicitHashKey,
    String sequenceNumber, String shardId, String arrival, String encryptionType) {

  /** {@code source} and {@code location}, for messages: {@code events.json Records[2]}. */
  String where() {
    return location.isEmpty() ? source : source + " " + location;
  }
}
