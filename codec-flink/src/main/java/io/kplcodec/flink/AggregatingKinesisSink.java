package io.kplcodec.flink;

import java.time.Duration;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Consumer;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.kinesis.sink.KinesisStreamsSink;
import org.apache.flink.connector.kinesis.sink.KinesisStreamsSinkBuilder;
import org.apache.flink.connector.kinesis.sink.PartitionKeyGenerator;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;

/**
 * Writes a stream of user records to Kinesis in the KPL aggregated format, through Flink's own {@code
 * KinesisStreamsSink}: {@link #addTo} puts an aggregation step in front of the sink, with the same parallelism and
 * chained to it, so the records go from your operator to the sink without a network hop.
 *
 * <p><b>Unsafe for KCL consumers across reshards</b> in its default, per-shard mode: use {@link KinesisProducerSink}
 * unless you cannot. The connector's sink does not say which shard a record landed on, so after a split, aggregates
 * packed for the parent (until the next shard map refresh, and those already handed to the sink) land on a child
 * that owns only part of their user records, and nothing sends them again: KCL drops such an aggregate whole,
 * silently (tens of thousands of 500,000 user records in the module README's measurement). With {@link
 * Builder#setShardAware(boolean) setShardAware(false)} every aggregate holds one partition key, which no reshard can
 * split, so no consumer loses anything, at the cost of aggregating only repeated keys (numbers in the README).
 *
 * <p>Aggregation: per shard, as the KPL does. The shard map comes from ListShards (with the same client properties
 * as the sink) when the job starts and every {@link Builder#setShardMapRefreshInterval refresh interval}. Each
 * aggregate is sent under a partition key whose MD5 lies in its shard's hash key range (the sink cannot send an
 * explicit hash key): the first user record's own key when it has no explicit hash key, else a short key found by
 * MD5 tries and cached per shard. So every user record lands on the shard its own keys name, and consumers that
 * check hash ranges (KCL drops a whole aggregate for one stranger) drop nothing. Aggregates are filled up to {@link
 * Builder#setMaxRecordSizeInBytes the record size limit} exactly (data plus partition key, as Kinesis counts it), and
 * the sink is given the same limit. A lone user record without an explicit hash key is sent raw, as the KPL does.
 *
 * <p>Without a shard map (ListShards failing or not answering within 10 s at start, or {@link
 * Builder#setShardAware(boolean) setShardAware(false)}), each aggregate holds the user records of one partition key
 * only: it then lands where each of them would have landed alone, whatever the shard map, but only repeated keys
 * aggregate, and explicit hash keys are ignored (routed by partition key, as the plain sink does). ListShards is
 * retried every 5 s until it answers; a failed refresh keeps the previous map.
 *
 * <p>Flushing: a user record waits at most {@link Builder#setMaxBufferTime max buffer time} (100 ms by default) in the
 * aggregation step; before every checkpoint barrier and at the end of bounded input, every pending user record is
 * handed to the sink, so no user record sits only in the aggregation step's memory at a checkpoint.
 *
 * <p>Delivery is at-least-once, as the sink's: after a failure, the restored sink puts again the Kinesis records its
 * checkpointed buffer held (it may have put some of them after the checkpoint), the user records since the
 * checkpoint are processed and aggregated again, and a PutRecords entry the sink retries after a timeout may already
 * have been stored. A duplicate is therefore a whole Kinesis record: an aggregate's user records all appear again
 * (byte for byte, or packed differently when processed again), each with its own keys and data. Deduplicate
 * downstream by a key in your data if you need exactly-once effects.
 *
 * <p>Checkpointed partition keys: the sink used here is {@code KinesisStreamsSink} with one change, a state
 * serializer that stores a buffered entry's partition key by its UTF-8 length. The connector's own (4.3.0) stores its
 * UTF-16 length, so a checkpoint holding a non-ASCII partition key restores wrong keys and misreads what follows.
 *
 * <p>After a reshard, aggregates packed for the old shard map until the next refresh may land on a shard that owns
 * only part of their user records; consumers that drop out-of-range user records would lose those (the sink does
 * not report where records landed, so nothing is sent again). Consumers keeping every user record (the default of
 * {@link DeaggregatingDeserializationSchema}) see them all.
 *
 * <p>Immutable once built and thread-safe; build it on the client, where the job graph is made.
 *
 * @param <T> the user record type
 */
public final class AggregatingKinesisSink<T> {
  /** How long a starting aggregation step waits for its first shard map before aggregating per partition key. */
  static final long INITIAL_SHARD_MAP_WAIT_MILLIS = 10_000;

  private final Builder<T> config;
  private final KinesisAggregateSink kinesisSink;

  private AggregatingKinesisSink(Builder<T> config, KinesisAggregateSink kinesisSink) {
    this.config = config;
    this.kinesisSink = kinesisSink;
  }

  /**
   * A builder; stream, client properties, serialization schema and partition key generator are required.
   *
   * @param <T> the user record type
   * @return a new builder
   */
  public static <T> Builder<T> builder() {
    return new Builder<>();
  }

  /**
   * Wires {@code userRecords} to Kinesis: the aggregation step, then {@code KinesisStreamsSink}, both with the
   * parallelism of {@code userRecords} and chained to it.
   *
   * @param userRecords the stream of user records
   * @return the sink, to set a uid or name on (the aggregation step has no state of its own)
   */
  public DataStreamSink<KinesisAggregate> addTo(DataStream<T> userRecords) {
    SingleOutputStreamOperator<KinesisAggregate> aggregates = aggregate(userRecords);
    return aggregates.sinkTo(kinesisSink).name("Kinesis Streams sink").setParallelism(aggregates.getParallelism());
  }

  /**
   * The aggregation step alone, for wiring it yourself: put its output into {@link #kinesisSink()} with the same
   * parallelism, or into any sink that sends each {@link KinesisAggregate} as one record under its partition key.
   *
   * @param userRecords the stream of user records
   * @return the aggregation step's output: one Kinesis record each
   */
  public SingleOutputStreamOperator<KinesisAggregate> aggregate(DataStream<T> userRecords) {
    ShardMapSource shardMapSource = config.shardAware
        ? ShardMapSource.listShards(config.kinesisClientProperties,
            config.streamName != null ? config.streamName : config.streamArn)
        : null;
    KinesisAggregationOperator<T> operator = new KinesisAggregationOperator<>(config.serializationSchema,
        config.partitionKeyGenerator, config.explicitHashKeyGenerator, config.maxRecordSizeInBytes,
        config.maxBufferTime.toMillis(), shardMapSource, config.shardMapRefreshInterval.toMillis(),
        INITIAL_SHARD_MAP_WAIT_MILLIS);
    return userRecords.transform("KPL aggregation", KinesisAggregate.typeInformation(), operator)
        .setParallelism(userRecords.getParallelism());
  }

  /**
   * The sink that {@link #addTo} uses: {@code KinesisStreamsSink} with its record size limit set to the aggregates',
   * and a state serializer that stores partition keys correctly (the connector's own cannot restore a checkpoint
   * that holds a non-ASCII partition key; see the README).
   *
   * @return the connector's sink, configured for aggregates
   */
  public Sink<KinesisAggregate> kinesisSink() {
    return kinesisSink;
  }

  /**
   * The largest Kinesis record made, data plus partition key, in bytes.
   *
   * @return the record size limit
   */
  public int maxRecordSizeInBytes() {
    return config.maxRecordSizeInBytes;
  }

  @Override
  public String toString() {
    return "AggregatingKinesisSink{stream=" + (config.streamName != null ? config.streamName : config.streamArn)
        + ", maxRecordSizeInBytes=" + config.maxRecordSizeInBytes + ", maxBufferTime=" + config.maxBufferTime
        + ", shardAware=" + config.shardAware + "}";
  }

  /**
   * Configures an {@link AggregatingKinesisSink}; the setters mirror {@code KinesisStreamsSinkBuilder}'s. Not
   * thread-safe.
   *
   * @param <T> the user record type
   */
  public static final class Builder<T> {
    private static final int MAX_RECORD_SIZE = 10 * 1024 * 1024;

    private String streamName;
    private String streamArn;
    private Properties kinesisClientProperties;
    private SerializationSchema<T> serializationSchema;
    private PartitionKeyGenerator<T> partitionKeyGenerator;
    private ExplicitHashKeyGenerator<T> explicitHashKeyGenerator;
    private int maxRecordSizeInBytes = 1024 * 1024;
    private Duration maxBufferTime = Duration.ofMillis(100);
    private Duration shardMapRefreshInterval = Duration.ofSeconds(60);
    private boolean shardAware = true;
    private Consumer<KinesisStreamsSinkBuilder<KinesisAggregate>> sinkOptions = sink -> {};

    private Builder() {}

    /**
     * The stream to write to, by name (or use {@link #setStreamArn}).
     *
     * @param streamName the stream's name
     * @return this builder
     */
    public Builder<T> setStreamName(String streamName) {
      this.streamName = Objects.requireNonNull(streamName, "streamName");
      return this;
    }

    /**
     * The stream to write to, by ARN (or use {@link #setStreamName}).
     *
     * @param streamArn the stream's ARN
     * @return this builder
     */
    public Builder<T> setStreamArn(String streamArn) {
      this.streamArn = Objects.requireNonNull(streamArn, "streamArn");
      return this;
    }

    /**
     * The Kinesis client properties ({@code aws.region}, credentials, {@code aws.endpoint}, ...), as for {@code
     * KinesisStreamsSink}: used by the sink and for ListShards.
     *
     * @param kinesisClientProperties the properties; copied
     * @return this builder
     */
    public Builder<T> setKinesisClientProperties(Properties kinesisClientProperties) {
      Properties copy = new Properties();
      copy.putAll(Objects.requireNonNull(kinesisClientProperties, "kinesisClientProperties"));
      this.kinesisClientProperties = copy;
      return this;
    }

    /**
     * Turns a user record into its data bytes.
     *
     * @param serializationSchema serializes a user record
     * @return this builder
     */
    public Builder<T> setSerializationSchema(SerializationSchema<T> serializationSchema) {
      this.serializationSchema = Objects.requireNonNull(serializationSchema, "serializationSchema");
      return this;
    }

    /**
     * Gives a user record's partition key (1 to 256 characters).
     *
     * @param partitionKeyGenerator gives each user record's partition key
     * @return this builder
     */
    public Builder<T> setPartitionKeyGenerator(PartitionKeyGenerator<T> partitionKeyGenerator) {
      this.partitionKeyGenerator = Objects.requireNonNull(partitionKeyGenerator, "partitionKeyGenerator");
      return this;
    }

    /**
     * Gives a user record's explicit hash key, or null (default: none for any record).
     *
     * @param explicitHashKeyGenerator gives each user record's explicit hash key, or null
     * @return this builder
     */
    public Builder<T> setExplicitHashKeyGenerator(ExplicitHashKeyGenerator<T> explicitHashKeyGenerator) {
      this.explicitHashKeyGenerator = Objects.requireNonNull(explicitHashKeyGenerator, "explicitHashKeyGenerator");
      return this;
    }

    /**
     * The stream's maximum record size, data plus partition key, in bytes: 1,048,576 by default (the Kinesis
     * default), at most 10,485,760. Aggregates are filled up to it, and the sink's own per-record limit is set to
     * it. A user record that cannot fit even alone fails the job, as it would in the plain sink.
     *
     * @param maxRecordSizeInBytes 1 to 10,485,760
     * @return this builder
     */
    public Builder<T> setMaxRecordSizeInBytes(int maxRecordSizeInBytes) {
      if (maxRecordSizeInBytes < 1 || maxRecordSizeInBytes > MAX_RECORD_SIZE) {
        throw new IllegalArgumentException(
            "maxRecordSizeInBytes must be in 1.." + MAX_RECORD_SIZE + ", not " + maxRecordSizeInBytes);
      }
      this.maxRecordSizeInBytes = maxRecordSizeInBytes;
      return this;
    }

    /**
     * How long a user record may wait in the aggregation step before its aggregate goes to the sink (default
     * 100 ms, the KPL's). The sink then batches on its own terms ({@code setMaxTimeInBufferMS} in {@link
     * #configureSink}).
     *
     * @param maxBufferTime positive
     * @return this builder
     */
    public Builder<T> setMaxBufferTime(Duration maxBufferTime) {
      this.maxBufferTime = positive(maxBufferTime, "maxBufferTime");
      return this;
    }

    /**
     * How often the shard map is listed again (default 60 s).
     *
     * @param shardMapRefreshInterval positive
     * @return this builder
     */
    public Builder<T> setShardMapRefreshInterval(Duration shardMapRefreshInterval) {
      this.shardMapRefreshInterval = positive(shardMapRefreshInterval, "shardMapRefreshInterval");
      return this;
    }

    /**
     * Whether to aggregate per shard with a shard map from ListShards (default true: unsafe for KCL consumers across
     * reshards, see the class comment). With false, ListShards is never called and each aggregate holds one partition
     * key's user records, which no reshard can separate.
     *
     * @param shardAware whether to aggregate per shard
     * @return this builder
     */
    public Builder<T> setShardAware(boolean shardAware) {
      this.shardAware = shardAware;
      return this;
    }

    /**
     * Sets further options on the {@code KinesisStreamsSink} builder before it is built: batch size and bytes,
     * requests in flight, buffered requests, time in buffer, fail on error. The stream, client properties,
     * serialization, partition keys and record size limit are set here and override what this sets.
     *
     * @param sinkOptions called on the {@code KinesisStreamsSink} builder
     * @return this builder
     */
    public Builder<T> configureSink(Consumer<KinesisStreamsSinkBuilder<KinesisAggregate>> sinkOptions) {
      this.sinkOptions = Objects.requireNonNull(sinkOptions, "sinkOptions");
      return this;
    }

    /**
     * The sink.
     *
     * @return an immutable sink
     * @throws IllegalStateException if a required setting is missing, or both a stream name and ARN are set
     * @throws IllegalArgumentException if {@code KinesisStreamsSink}'s builder refuses the options
     */
    @SuppressWarnings("deprecation") // setStreamName: the connector prefers ARNs but still takes names
    public AggregatingKinesisSink<T> build() {
      if ((streamName == null) == (streamArn == null)) {
        throw new IllegalStateException("Set exactly one of the stream name and the stream ARN");
      }
      require(kinesisClientProperties, "kinesis client properties");
      require(serializationSchema, "serialization schema");
      require(partitionKeyGenerator, "partition key generator");
      KinesisStreamsSinkBuilder<KinesisAggregate> sink = KinesisStreamsSink.builder();
      sinkOptions.accept(sink);
      if (streamName != null) {
        sink.setStreamName(streamName);
      } else {
        sink.setStreamArn(streamArn);
      }
      sink.setKinesisClientProperties(kinesisClientProperties)
          .setSerializationSchema(KinesisAggregate::data)
          .setPartitionKeyGenerator(KinesisAggregate::partitionKey)
          // The sink counts data only; aggregates keep data plus partition key within the same number.
          .setMaxRecordSizeInBytes(maxRecordSizeInBytes);
      Builder<T> config = copy();
      return new AggregatingKinesisSink<>(config, new KinesisAggregateSink(sink.build()));
    }

    private Builder<T> copy() {
      Builder<T> copy = new Builder<>();
      copy.streamName = streamName;
      copy.streamArn = streamArn;
      copy.kinesisClientProperties = kinesisClientProperties;
      copy.serializationSchema = serializationSchema;
      copy.partitionKeyGenerator = partitionKeyGenerator;
      copy.explicitHashKeyGenerator = explicitHashKeyGenerator;
      copy.maxRecordSizeInBytes = maxRecordSizeInBytes;
      copy.maxBufferTime = maxBufferTime;
      copy.shardMapRefreshInterval = shardMapRefreshInterval;
      copy.shardAware = shardAware;
      return copy;
    }

    private static void require(Object value, String what) {
      if (value == null) {
        throw new IllegalStateException("No " + what + " set");
      }
    }

    private static Duration positive(Duration duration, String name) {
      if (Objects.requireNonNull(duration, name).isNegative() || duration.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, not " + duration);
      }
      return duration;
    }
  }
}
