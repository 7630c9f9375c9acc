package io.kplcodec.flink;

import io.kplcodec.aws.KinesisProducer;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;

/**
 * Writes a stream of user records to Kinesis in the KPL aggregated format through kpl-codec's own {@link
 * KinesisProducer}: the recommended sink, and the one that loses no user record to a consumer that checks hash
 * ranges (KCL) when the stream is resharded while the job runs.
 *
 * <p>Each parallel writer runs one producer. It aggregates per shard of the stream's shard map, as the KPL does, and
 * learns from every PutRecords answer which shard each Kinesis record landed on. When a split or merge has moved a
 * hash key range since the map was read, an aggregate can land on a shard that does not own all of its user
 * records: the producer refreshes its shard map and sends those user records again to the shard that owns them now.
 * By default ({@link KinesisProducer.MisroutePolicy#RESEND_WHOLE_AGGREGATE}) it sends the whole aggregate's user
 * records again, since KCL drops such an aggregate whole; so KCL, and kpl-codec's {@code DROP_WHOLE_AGGREGATE} and
 * {@code DROP_OUT_OF_RANGE_RECORDS} policies, lose nothing, and readers that keep every user record see the
 * re-sent ones twice (see the module README for the numbers).
 *
 * <p>Checkpoints: before a checkpoint barrier passes the writer, it sends every aggregate it holds and waits until
 * every user record written before the barrier has been put; so the writer keeps no state and a completed checkpoint
 * never leaves a user record behind. A user record that cannot be put (the producer's record timeout, an error that
 * retrying cannot fix) fails the job, which restores the last checkpoint and writes again what followed it.
 * Delivery is at-least-once: a restore writes again the user records put after the last checkpoint, and a retried or
 * re-sent entry may have been stored the first time too.
 *
 * <p>Backpressure: a write blocks while the producer holds as much as it may ({@code maxBufferedBytes}, 64 MiB by
 * default), up to its max block time; beyond that the job fails and restores.
 *
 * <p>Immutable once built and thread-safe; build it on the client, where the job graph is made. Its writers are
 * not thread-safe: Flink calls each on its task thread only.
 *
 * @param <T> the user record type
 */
public final class KinesisProducerSink<T> implements Sink<T> {
  private static final long serialVersionUID = 1L;

  /** The stream's name or ARN. */
  private final String streamName;
  /** Makes each writer's Kinesis client. */
  private final KinesisClientFactory clientFactory;
  /** Turns a record of the job into a user record's data. */
  private final SerializationSchema<T> serializationSchema;
  /** Each user record's partition key. */
  private final PartitionKeyFunction<T> partitionKeys;
  /** Each user record's explicit hash key, or null for none. */
  private final ExplicitHashKeyGenerator<T> explicitHashKeys;
  /** The stream's maximum record size, data plus partition key. */
  private final int maxRecordSizeInBytes;
  /** The longest a user record waits for its aggregate to fill. */
  private final Duration maxBufferTime;
  /** Further producer settings, or null for none. */
  private final ProducerConfigurer producerConfigurer;

  private KinesisProducerSink(Builder<T> builder) {
    this.streamName = builder.streamName;
    this.clientFactory = builder.clientFactory;
    this.serializationSchema = builder.serializationSchema;
    this.partitionKeys = builder.partitionKeys;
    this.explicitHashKeys = builder.explicitHashKeys;
    this.maxRecordSizeInBytes = builder.maxRecordSizeInBytes;
    this.maxBufferTime = builder.maxBufferTime;
    this.producerConfigurer = builder.producerConfigurer;
  }

  /**
   * A builder; stream name, client, serialization schema and partition key function are required.
   *
   * @param <T> the user record type
   * @return a new builder
   */
  public static <T> Builder<T> builder() {
    return new Builder<>();
  }

  /**
   * Flink 1.19 and 1.20 call {@link #createWriter(WriterInitContext)}; this older entry point (deprecated in
   * Flink) gives the same writer.
   *
   * @param context the writer's context
   * @return a writer with its own producer and client
   * @throws IOException if the stream's shards cannot be listed
   * @deprecated Flink's own deprecation; use {@link #createWriter(WriterInitContext)}
   */
  @Override
  @Deprecated
  public SinkWriter<T> createWriter(InitContext context) throws IOException {
    return createWriter(context.asSerializationSchemaInitializationContext(), context.getMailboxExecutor(),
        context.metricGroup());
  }

  /**
   * A writer for one parallel subtask: opens the serialization schema, makes a client and starts a producer, which
   * lists the stream's shards first.
   *
   * @param context the writer's context
   * @return a writer with its own producer and client
   * @throws IOException if the stream's shards cannot be listed
   */
  @Override
  public SinkWriter<T> createWriter(WriterInitContext context) throws IOException {
    return createWriter(context.asSerializationSchemaInitializationContext(), context.getMailboxExecutor(),
        context.metricGroup());
  }

  /** What both entry points do; the writer tests call it directly. */
  KinesisProducerSinkWriter<T> createWriter(SerializationSchema.InitializationContext schemaContext,
      MailboxExecutor mailbox, SinkWriterMetricGroup metrics) throws IOException {
    try {
      serializationSchema.open(schemaContext);
    } catch (Exception e) {
      throw new IOException("The serialization schema failed to open", e);
    }
    KinesisAsyncClient client = clientFactory.create();
    KinesisProducer producer;
    try {
      producer = newProducer(client);
    } catch (RuntimeException e) {
      client.close();
      throw new IOException("Cannot start the Kinesis producer for stream " + streamName + ": " + e.getMessage(), e);
    }
    return new KinesisProducerSinkWriter<>(serializationSchema, partitionKeys, explicitHashKeys, producer, client,
        mailbox, metrics);
  }

  /** The producer a writer uses, configured as built (lists the shards, blocking). */
  KinesisProducer newProducer(KinesisAsyncClient client) {
    KinesisProducer.Builder builder = KinesisProducer.builder(client, streamName)
        .maxRecordSize(maxRecordSizeInBytes)
        .maxBufferedTime(maxBufferTime);
    if (producerConfigurer != null) {
      producerConfigurer.accept(builder);
    }
    return builder.build();
  }

  @Override
  public String toString() {
    return "KinesisProducerSink{stream=" + streamName + ", maxRecordSizeInBytes=" + maxRecordSizeInBytes
        + ", maxBufferTime=" + maxBufferTime + ", client=" + clientFactory + "}";
  }

  /**
   * Sets any other {@link KinesisProducer.Builder} option (buffer limit, requests in flight, record timeout, retry
   * backoff, misroute policy...) on each writer's producer. Serialized with the job; called once per writer, on its
   * task thread, so implementations need not be thread-safe.
   */
  @FunctionalInterface
  public interface ProducerConfigurer extends Consumer<KinesisProducer.Builder>, Serializable {}

  /**
   * Configures a {@link KinesisProducerSink}. Not thread-safe.
   *
   * @param <T> the user record type
   */
  public static final class Builder<T> {
    private String streamName;
    private KinesisClientFactory clientFactory;
    private SerializationSchema<T> serializationSchema;
    private PartitionKeyFunction<T> partitionKeys;
    private ExplicitHashKeyGenerator<T> explicitHashKeys;
    private int maxRecordSizeInBytes = 1024 * 1024;
    private Duration maxBufferTime = Duration.ofMillis(100);
    private ProducerConfigurer producerConfigurer;

    private Builder() {}

    /**
     * The stream to write to (required).
     *
     * @param streamName the stream's name
     * @return this builder
     */
    public Builder<T> setStreamName(String streamName) {
      this.streamName = Objects.requireNonNull(streamName, "streamName");
      return this;
    }

    /**
     * The stream to write to, by its ARN, as the connector's sink takes it (this or {@link #setStreamName} is
     * required); sent as {@code StreamARN}.
     *
     * @param streamArn {@code arn:aws:kinesis:<region>:<account>:stream/<name>}
     * @return this builder
     * @throws IllegalArgumentException if it is not an ARN
     */
    public Builder<T> setStreamArn(String streamArn) {
      if (!Objects.requireNonNull(streamArn, "streamArn").startsWith("arn:")) {
        throw new IllegalArgumentException("Not a stream ARN: " + streamArn);
      }
      this.streamName = streamArn;
      return this;
    }

    /**
     * The client from the connector's client properties (see {@link KinesisClientFactory#fromProperties}); this or
     * {@link #setKinesisClientFactory} is required.
     *
     * @param properties {@code aws.region}, {@code aws.endpoint}, credentials, {@code aws.http.protocol.version}
     * @return this builder
     * @throws IllegalArgumentException if a property is missing or invalid
     */
    public Builder<T> setKinesisClientProperties(Properties properties) {
      this.clientFactory = KinesisClientFactory.fromProperties(properties);
      return this;
    }

    /**
     * Makes each writer's SDK v2 client; this or {@link #setKinesisClientProperties} is required.
     *
     * @param factory serializable; called once per writer, which closes the client
     * @return this builder
     */
    public Builder<T> setKinesisClientFactory(KinesisClientFactory factory) {
      this.clientFactory = Objects.requireNonNull(factory, "factory");
      return this;
    }

    /**
     * A user record's data (required).
     *
     * @param schema serializes a user record
     * @return this builder
     */
    public Builder<T> setSerializationSchema(SerializationSchema<T> schema) {
      this.serializationSchema = Objects.requireNonNull(schema, "schema");
      return this;
    }

    /**
     * A user record's partition key, 1 to 256 characters (required).
     *
     * @param partitionKeys gives each user record's partition key
     * @return this builder
     */
    public Builder<T> setPartitionKeyGenerator(PartitionKeyFunction<T> partitionKeys) {
      this.partitionKeys = Objects.requireNonNull(partitionKeys, "partitionKeys");
      return this;
    }

    /**
     * A user record's explicit hash key, or null to route it by its partition key (optional). Honoured exactly:
     * the producer can send an explicit hash key, so a lone user record goes out raw with it.
     *
     * @param explicitHashKeys gives each user record's explicit hash key, or null
     * @return this builder
     */
    public Builder<T> setExplicitHashKeyGenerator(ExplicitHashKeyGenerator<T> explicitHashKeys) {
      this.explicitHashKeys = Objects.requireNonNull(explicitHashKeys, "explicitHashKeys");
      return this;
    }

    /**
     * The stream's record size limit, data plus partition key (1 MiB by default, up to 10 MiB): aggregates are
     * filled to it, and a larger user record fails the job.
     *
     * @param bytes 1 to 10,485,760
     * @return this builder
     */
    public Builder<T> setMaxRecordSizeInBytes(int bytes) {
      if (bytes < 1 || bytes > 10 * 1024 * 1024) {
        throw new IllegalArgumentException("maxRecordSizeInBytes must be in 1..10485760: " + bytes);
      }
      this.maxRecordSizeInBytes = bytes;
      return this;
    }

    /**
     * The longest a user record waits for its aggregate to fill (100 ms by default, as the KPL); checkpoints
     * flush sooner.
     *
     * @param time positive
     * @return this builder
     */
    public Builder<T> setMaxBufferTime(Duration time) {
      if (time == null || time.isNegative() || time.isZero()) {
        throw new IllegalArgumentException("maxBufferTime must be positive: " + time);
      }
      this.maxBufferTime = time;
      return this;
    }

    /**
     * Any other producer option, applied after the ones above (see {@link KinesisProducer.Builder}).
     *
     * @param configurer serializable; called on each writer's producer builder
     * @return this builder
     */
    public Builder<T> configureProducer(ProducerConfigurer configurer) {
      this.producerConfigurer = Objects.requireNonNull(configurer, "configurer");
      return this;
    }

    /**
     * The sink.
     *
     * @return an immutable sink
     * @throws IllegalStateException if a required setting is missing
     */
    public KinesisProducerSink<T> build() {
      require(streamName, "setStreamName or setStreamArn");
      require(clientFactory, "setKinesisClientProperties or setKinesisClientFactory");
      require(serializationSchema, "setSerializationSchema");
      require(partitionKeys, "setPartitionKeyGenerator");
      return new KinesisProducerSink<>(this);
    }

    private static void require(Object value, String setter) {
      if (value == null) {
        throw new IllegalStateException("KinesisProducerSink needs " + setter);
      }
    }
  }
}
