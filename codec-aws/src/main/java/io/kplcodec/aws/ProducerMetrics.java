package io.kplcodec.aws;

import java.time.Duration;

/**
 * What a {@link KinesisProducer} does, event by event, for metrics: the events behind the KPL's metrics (names in
 * each method's comment), with their stream and, where the KPL has it, their shard. Set one with {@link
 * KinesisProducer.Builder#metrics}; every method does nothing by default, so implement only what you record.
 *
 * <p>Calls come on the producer's thread or an adding thread, while the producer holds its lock: keep them short
 * (count, add to a histogram), never block, and never call the producer. An exception thrown by a call is caught
 * and counted in {@link ProducerCounters#metricsFailures()}; the producer carries on. Implementations must be
 * thread-safe: calls come from several threads, one at a time.
 */
public interface ProducerMetrics {
  /**
   * A user record was accepted by {@code add} or {@code tryAdd} (the KPL's {@code UserRecordsReceived}).
   *
   * @param stream the stream it is for
   */
  default void userRecordReceived(String stream) {}

  /**
   * A user record is in the stream (the KPL's {@code UserRecordsPut}, {@code UserRecordsDataPut}, {@code
   * BufferingTime} and {@code RetriesPerRecord}).
   *
   * @param stream its stream
   * @param shardId the shard it landed on
   * @param bytes its data plus partition key
   * @param sinceAdd from its {@code add} to the answer that put it
   * @param attempts how many times it was sent (1 if never again)
   */
  default void userRecordPut(String stream, String shardId, long bytes, Duration sinceAdd, int attempts) {}

  /**
   * A user record's future failed (the KPL's {@code UserRecordExpired} for {@link
   * KinesisProducerException.Reason#RECORD_TIMEOUT}).
   *
   * @param stream its stream
   * @param reason why
   * @param attempts how many times it was sent (0 if never)
   */
  default void userRecordFailed(String stream, KinesisProducerException.Reason reason, int attempts) {}

  /**
   * A Kinesis record (an aggregate, or a user record sent raw) is in the stream (the KPL's {@code
   * KinesisRecordsPut}, {@code KinesisRecordsDataPut} and {@code UserRecordsPerKinesisRecord}).
   *
   * @param stream its stream
   * @param shardId the shard it landed on
   * @param bytes its data plus partition key
   * @param userRecords the user records in it
   */
  default void kinesisRecordPut(String stream, String shardId, long bytes, int userRecords) {}

  /**
   * A PutRecords call was answered, or failed as a whole (the KPL's {@code RequestTime}, {@code
   * KinesisRecordsPerPutRecordsRequest} and {@code UserRecordsPerPutRecordsRequest}; a failed call also counts in
   * {@code ErrorsByCode} and {@code AllErrors}).
   *
   * @param stream its stream
   * @param kinesisRecords its entries
   * @param userRecords the user records in them
   * @param requestTime from the call to its answer
   * @param errorCode null if the call was answered (its entries may still have failed), else the service's error
   *     code or the exception's simple class name (a timeout, a reset)
   */
  default void putRecordsCall(String stream, int kinesisRecords, int userRecords, Duration requestTime,
      String errorCode) {}

  /**
   * An entry of an answered call was refused (the KPL's {@code ErrorsByCode} and {@code AllErrors}).
   *
   * @param stream its stream
   * @param shardId the shard it was meant for
   * @param errorCode the service's code, e.g. {@code ProvisionedThroughputExceededException}
   */
  default void kinesisRecordFailed(String stream, String shardId, String errorCode) {}
}
