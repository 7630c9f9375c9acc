package software.amazon.kinesis.producer;

import com.amazonaws.services.schemaregistry.common.Schema;
import com.google.common.util.concurrent.ListenableFuture;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * The KPL's producer interface, implemented by {@link KinesisProducer}; see there for what each method does.
 * Implementations are thread-safe.
 */
public interface IKinesisProducer {
  /**
   * Adds a user record.
   *
   * @param stream the stream's name
   * @param partitionKey 1 to 256 characters
   * @param data the data
   * @return completes with the record's result
   */
  ListenableFuture<UserRecordResult> addUserRecord(String stream, String partitionKey, ByteBuffer data);

  /**
   * Adds a user record.
   *
   * @param userRecord the record
   * @return completes with the record's result
   */
  ListenableFuture<UserRecordResult> addUserRecord(UserRecord userRecord);

  /**
   * Adds a user record with an explicit hash key.
   *
   * @param stream the stream's name
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey a decimal integer from 0 to 2^128 - 1, or null
   * @param data the data
   * @return completes with the record's result
   */
  ListenableFuture<UserRecordResult> addUserRecord(String stream, String partitionKey, String explicitHashKey,
      ByteBuffer data);

  /**
   * Adds a user record with a Glue Schema Registry schema.
   *
   * @param stream the stream's name
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey a decimal integer from 0 to 2^128 - 1, or null
   * @param data the data
   * @param schema the schema, or null
   * @return completes with the record's result
   */
  ListenableFuture<UserRecordResult> addUserRecord(String stream, String partitionKey, String explicitHashKey,
      ByteBuffer data, Schema schema);

  /**
   * User records added whose futures have not completed.
   *
   * @return the count
   */
  int getOutstandingRecordsCount();

  /**
   * The age of the oldest outstanding user record.
   *
   * @return milliseconds, 0 if none is outstanding
   * @throws UnsupportedOperationException if the implementation does not track it (this default)
   */
  default long getOldestRecordTimeInMillis() {
    throw new UnsupportedOperationException("This method is not supported in this IKinesisProducer type");
  }

  /**
   * Tells the producer a stream's id.
   *
   * @param streamName the stream's name
   * @param streamId its id
   * @throws UnsupportedOperationException if the implementation does not use stream ids (this default)
   */
  default void setStreamId(String streamName, String streamId) {
    throw new UnsupportedOperationException("This method is not supported in this IKinesisProducer type");
  }

  /**
   * The metrics of one name over the last seconds.
   *
   * @param metricName the name, or null for every metric
   * @param windowSeconds the window, in seconds
   * @return the metrics
   * @throws InterruptedException if interrupted
   * @throws ExecutionException if they cannot be computed
   */
  List<Metric> getMetrics(String metricName, int windowSeconds) throws InterruptedException, ExecutionException;

  /**
   * The metrics of one name since the start.
   *
   * @param metricName the name, or null for every metric
   * @return the metrics
   * @throws InterruptedException if interrupted
   * @throws ExecutionException if they cannot be computed
   */
  List<Metric> getMetrics(String metricName) throws InterruptedException, ExecutionException;

  /**
   * Every metric since the start.
   *
   * @return the metrics
   * @throws InterruptedException if interrupted
   * @throws ExecutionException if they cannot be computed
   */
  List<Metric> getMetrics() throws InterruptedException, ExecutionException;

  /**
   * Every metric over the last seconds.
   *
   * @param windowSeconds the window, in seconds
   * @return the metrics
   * @throws InterruptedException if interrupted
   * @throws ExecutionException if they cannot be computed
   */
  List<Metric> getMetrics(int windowSeconds) throws InterruptedException, ExecutionException;

  /** Stops the producer at once; outstanding records fail. */
  void destroy();

  /**
   * Starts sending what is buffered for a stream, without waiting.
   *
   * @param stream the stream's name
   */
  void flush(String stream);

  /** Starts sending everything buffered, without waiting. */
  void flush();

  /** Sends everything buffered and waits until every outstanding record has completed. */
  void flushSync();
}
