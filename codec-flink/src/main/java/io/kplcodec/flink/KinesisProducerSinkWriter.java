package io.kplcodec.flink;

import io.kplcodec.aws.KinesisProducer;
import io.kplcodec.aws.KinesisProducerException;
import io.kplcodec.aws.ProducerCounters;
import io.kplcodec.aws.PutResult;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;

/**
 * The writer of a {@link KinesisProducerSink}: hands each user record to a {@link KinesisProducer} and, on {@link
 * #flush}, waits until every user record it was given is in the stream, or fails.
 *
 * <p>No state: Flink calls {@code flush(false)} before it sends a checkpoint barrier on, so when a checkpoint
 * completes, every user record written before its barrier has been put (and re-sent where a reshard misrouted it).
 * A user record whose future fails (record timeout, a refusal that retrying cannot fix, no room for the max block
 * time) fails the writer: the next {@code write} or {@code flush} throws, and a mail thrown on the task's mailbox
 * fails it even if no record comes, so Flink restores the last checkpoint and the source replays what followed.
 *
 * <p>Not thread-safe: Flink calls it on the task thread only. The producer completes futures on its own thread;
 * what they touch here is atomic or guarded by {@code this}.
 *
 * @param <T> the user record type
 */
final class KinesisProducerSinkWriter<T> implements SinkWriter<T> {
  private static final Logger LOG = LoggerFactory.getLogger(KinesisProducerSinkWriter.class);

  private final SerializationSchema<T> serializationSchema;
  private final PartitionKeyFunction<T> partitionKeys;
  private final ExplicitHashKeyGenerator<T> explicitHashKeys;
  private final KinesisProducer producer;
  private final KinesisAsyncClient client;
  private final MailboxExecutor mailbox;
  private final Counter recordsSent;
  private final Counter recordsSendErrors;

  /** The first failure of a user record; the writer fails with it. */
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  /** User records handed to the producer whose futures have not completed (guarded by this). */
  private long outstanding;
  /** User records put, counted by the producer's thread (guarded by this); reported on the task thread. */
  private long put;
  private long putReported;
  private long failed;
  private long failedReported;
  private boolean closed;
  /** Whether the input ended and everything was put: only then does close put what it holds (nothing, then). */
  private boolean inputEnded;

  /**
   * @param client closed with the writer, after the producer; null if the caller owns it
   * @param mailbox where a failure is thrown when no record comes; null to fail only at the next write or flush
   */
  KinesisProducerSinkWriter(SerializationSchema<T> serializationSchema, PartitionKeyFunction<T> partitionKeys,
      ExplicitHashKeyGenerator<T> explicitHashKeys, KinesisProducer producer, KinesisAsyncClient client,
      MailboxExecutor mailbox, SinkWriterMetricGroup metrics) {
    this.serializationSchema = serializationSchema;
    this.partitionKeys = partitionKeys;
    this.explicitHashKeys = explicitHashKeys;
    this.producer = producer;
    this.client = client;
    this.mailbox = mailbox;
    this.recordsSent = metrics.getNumRecordsSendCounter();
    this.recordsSendErrors = metrics.getNumRecordsSendErrorsCounter();
    MetricGroup group = metrics.addGroup("kplProducer");
    group.gauge("pendingUserRecords", this::pendingUserRecords);
    gauge(group, "userRecordsPut", ProducerCounters::userRecordsPut);
    gauge(group, "userRecordsFailed", ProducerCounters::userRecordsFailed);
    gauge(group, "kinesisRecordsSent", ProducerCounters::kinesisRecordsSent);
    gauge(group, "aggregatesSent", ProducerCounters::aggregatesSent);
    gauge(group, "putRecordsRequests", ProducerCounters::putRecordsRequests);
    gauge(group, "failedRequests", ProducerCounters::failedRequests);
    gauge(group, "retriedEntries", ProducerCounters::retriedEntries);
    gauge(group, "misroutedRecords", ProducerCounters::misroutedRecords);
    gauge(group, "userRecordsResent", ProducerCounters::userRecordsResent);
    gauge(group, "userRecordsResentInRange", ProducerCounters::userRecordsResentInRange);
    gauge(group, "shardMapRefreshes", ProducerCounters::shardMapRefreshes);
  }

  private void gauge(MetricGroup group, String name, ToLongFunction<ProducerCounters> counter) {
    group.gauge(name, () -> counter.applyAsLong(producer.counters()));
  }

  @Override
  public void write(T element, Context context) throws IOException, InterruptedException {
    rethrowFailure();
    byte[] data = serializationSchema.serialize(element);
    String partitionKey = partitionKeys.apply(element);
    String explicitHashKey = explicitHashKeys == null ? null : explicitHashKeys.apply(element);
    synchronized (this) {
      outstanding++;
    }
    CompletableFuture<PutResult> future;
    try {
      // Blocks while the producer holds its buffer limit: Flink's backpressure.
      future = producer.add(partitionKey, explicitHashKey, data);
    } catch (RuntimeException e) { // an invalid key, a record too large: nothing was buffered
      synchronized (this) {
        outstanding--;
      }
      throw new IOException("Kinesis refused user record with partition key " + partitionKey + ": "
          + e.getMessage(), e);
    }
    future.whenComplete(this::completed);
    reportCounts();
    rethrowFailure(); // a refusal (no room for the max block time) has failed the future already
  }

  private void completed(PutResult result, Throwable error) {
    boolean first = false;
    synchronized (this) {
      outstanding--;
      if (error == null) {
        put++;
      } else {
        failed++;
        first = failure.compareAndSet(null, error);
      }
      notifyAll();
    }
    if (first && mailbox != null) {
      // Fail the task now, even if no record or checkpoint comes to find it.
      try {
        mailbox.execute(this::rethrowFailure, "fail the Kinesis writer: a user record was not put");
      } catch (RuntimeException closing) {
        // The mailbox is closed: the task is ending anyway, and the next write or flush would throw.
        LOG.debug("Could not post the writer's failure to the task's mailbox", closing);
      }
    }
  }

  /**
   * Sends everything now and waits until every user record written so far has been put, or one has failed.
   *
   * @throws IOException if a user record failed: the job restores the last checkpoint
   * @throws InterruptedException if interrupted while waiting
   */
  @Override
  public void flush(boolean endOfInput) throws IOException, InterruptedException {
    rethrowFailure();
    producer.flush(); // sends every aggregate now; returns once every future has completed (or when interrupted)
    // The futures' own callbacks may still be running on the producer's thread: wait for them too.
    synchronized (this) {
      while (outstanding > 0 && failure.get() == null) {
        wait();
      }
    }
    reportCounts();
    rethrowFailure();
    inputEnded |= endOfInput;
  }

  /** User records handed to the producer whose futures have not completed. */
  synchronized long pendingUserRecords() {
    return outstanding;
  }

  private void reportCounts() {
    long putNow;
    long failedNow;
    synchronized (this) {
      putNow = put;
      failedNow = failed;
    }
    recordsSent.inc(putNow - putReported);
    recordsSendErrors.inc(failedNow - failedReported);
    putReported = putNow;
    failedReported = failedNow;
  }

  private void rethrowFailure() throws IOException, InterruptedException {
    Throwable error = failure.get();
    if (error == null) {
      return;
    }
    Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
        ? error.getCause() : error;
    if (cause instanceof KinesisProducerException
        && ((KinesisProducerException) cause).reason() == KinesisProducerException.Reason.INTERRUPTED) {
      InterruptedException interrupted = new InterruptedException("Interrupted while waiting for room");
      interrupted.initCause(cause);
      throw interrupted;
    }
    throw new IOException("A user record was not put into Kinesis, so the job restores its last checkpoint: "
        + cause.getMessage(), cause);
  }

  /**
   * Closes the producer, then the client. After the end of the input everything was put already; otherwise (a
   * failure, a cancel) the producer is aborted: what it holds and has not put is dropped at once, as the restored job
   * writes it again from its last checkpoint, so a failure neither waits for an outage nor adds duplicates beyond the
   * calls in flight.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      if (inputEnded) {
        producer.close();
      } else {
        producer.abort();
      }
      reportCounts();
      LOG.info("Kinesis writer closed: {}", producer);
    } finally {
      if (client != null) {
        client.close();
      }
    }
  }
}
