package io.kplcodec.flink;

import io.kplcodec.CorruptAggregateException;
import io.kplcodec.Deaggregator;
import io.kplcodec.Deaggregator.DropReason;
import io.kplcodec.Deaggregator.HashRangePolicy;
import io.kplcodec.HashKeyRange;
import io.kplcodec.UserRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kinesis.source.serialization.KinesisDeserializationSchema;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.Record;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code KinesisDeserializationSchema} for {@code KinesisStreamsSource} that deaggregates each Kinesis record with
 * codec-core's {@link Deaggregator} and hands every user record's data to your own {@link DeserializationSchema}, in
 * order.
 *
 * <ul>
 *   <li>Aggregates are recognised by their magic and MD5 (verified); any other record is passed to your schema
 *       whole, as KCL does, so a stream mixing aggregated and plain records reads correctly.
 *   <li>Corrupt aggregates (magic and MD5 right, content invalid): by default {@link CorruptAggregateException}
 *       fails the source, like a poison record, and nothing of it is emitted; with {@link
 *       Builder#passCorruptAggregatesThrough(boolean) passCorruptAggregatesThrough(true)} the whole record goes to
 *       your schema as one record, is counted and logged.
 *   <li>Hash ranges: with {@link Builder#hashRangePolicy} other than {@code KEEP_ALL} and {@link
 *       Builder#shardRangesFrom(Configuration) the source's configuration}, each shard's range is listed (once,
 *       then cached; closed parent shards too) and user records outside it are dropped as the policy says, and
 *       counted. A shard whose range cannot be listed is not filtered. The default keeps every user record: the
 *       filter exists for producers that send misrouted user records again (the KPL, kpl-codec's {@code
 *       KinesisProducer}); {@link AggregatingKinesisSink} does not, so dropping would lose them.
 * </ul>
 *
 * <p>Checkpoints: the source records its position per Kinesis record, after this schema has emitted all of that
 * record's user records, so a restore never splits an aggregate.
 *
 * <p>Metrics, in the group {@code kplDeaggregation}: {@code userRecords}, {@code droppedUserRecords}, {@code
 * corruptAggregatesPassedThrough}.
 *
 * <p>Not thread-safe, and need not be: serializable configuration, of which each source reader uses its own copy on
 * one thread, as Flink does.
 *
 * @param <T> what your schema produces per user record
 */
public final class DeaggregatingDeserializationSchema<T> implements KinesisDeserializationSchema<T> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(DeaggregatingDeserializationSchema.class);

  /** Turns each user record's data into the job's type. */
  private final DeserializationSchema<T> userRecordSchema;
  /** Whether a corrupt aggregate goes to the schema whole instead of failing the job. */
  private final boolean passCorruptAggregatesThrough;
  /** What to do with user records outside the shard read. */
  private final HashRangePolicy hashRangePolicy;
  /** The shards' hash key ranges, for the policy; null if none is applied. */
  private final ShardRangeLookup shardRanges;

  private transient Deaggregator unfiltered;
  private transient Map<String, Deaggregator> byShard;
  private transient Counter userRecords;
  private transient Counter droppedUserRecords;
  private transient Counter corruptAggregatesPassedThrough;

  private DeaggregatingDeserializationSchema(Builder<T> builder) {
    this.userRecordSchema = builder.userRecordSchema;
    this.passCorruptAggregatesThrough = builder.passCorruptAggregatesThrough;
    this.hashRangePolicy = builder.hashRangePolicy;
    // Without filtering, ranges are never needed: no ListShards calls.
    this.shardRanges = builder.hashRangePolicy == HashRangePolicy.KEEP_ALL ? null : builder.shardRanges;
  }

  /**
   * Deaggregates with the defaults (MD5 verified, corrupt aggregates fail the source, no hash-range filter).
   *
   * @param <T> what your schema produces
   * @param userRecordSchema your schema, for each user record's data
   * @return the schema to give {@code KinesisStreamsSource}
   */
  public static <T> DeaggregatingDeserializationSchema<T> of(DeserializationSchema<T> userRecordSchema) {
    return builder(userRecordSchema).build();
  }

  /**
   * A builder around your schema for the user records' data.
   *
   * @param <T> what your schema produces
   * @param userRecordSchema your schema, for each user record's data
   * @return a new builder
   */
  public static <T> Builder<T> builder(DeserializationSchema<T> userRecordSchema) {
    return new Builder<>(userRecordSchema);
  }

  @Override
  public void open(DeserializationSchema.InitializationContext context) throws Exception {
    userRecordSchema.open(context);
    MetricGroup metrics = context.getMetricGroup().addGroup("kplDeaggregation");
    userRecords = metrics.counter("userRecords");
    droppedUserRecords = metrics.counter("droppedUserRecords");
    corruptAggregatesPassedThrough = metrics.counter("corruptAggregatesPassedThrough");
    unfiltered = Deaggregator.builder()
        .passCorruptAggregatesThrough(passCorruptAggregatesThrough)
        .hashRangePolicy(hashRangePolicy)
        .listener(new Deaggregator.Listener() {
          @Override
          public void dropped(UserRecord record, DropReason reason) {
            droppedUserRecords.inc();
          }

          @Override
          public void corruptPassedThrough(CorruptAggregateException cause) {
            corruptAggregatesPassedThrough.inc();
            LOG.warn("A corrupt aggregate was passed through whole to the user record schema", cause);
          }
        })
        .build();
    byShard = new HashMap<>();
  }

  @Override
  public void deserialize(Record record, String stream, String shardId, Collector<T> output) throws IOException {
    Deaggregator deaggregator = deaggregatorFor(stream, shardId);
    ByteBuffer data = record.data().asByteBuffer(); // read-only, no copy
    try {
      deaggregator.visit(data, (partitionKey, explicitHashKey, source, offset, length, subSequenceNumber) -> {
        byte[] bytes = new byte[length];
        source.get(offset, bytes);
        userRecords.inc();
        try {
          userRecordSchema.deserialize(bytes, output);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** The deaggregator that filters by the shard's range, once it is known; else one that does not filter. */
  private Deaggregator deaggregatorFor(String stream, String shardId) {
    if (shardRanges == null) {
      return unfiltered;
    }
    String key = stream + '/' + shardId;
    Deaggregator deaggregator = byShard.get(key);
    if (deaggregator == null) {
      HashKeyRange range = shardRanges.rangeOf(stream, shardId);
      if (range == null) {
        return unfiltered; // not cached: looked up again later
      }
      deaggregator = unfiltered.toBuilder().hashRange(range).build();
      byShard.put(key, deaggregator);
    }
    return deaggregator;
  }

  @Override
  public TypeInformation<T> getProducedType() {
    return userRecordSchema.getProducedType();
  }

  @Override
  public String toString() {
    return "DeaggregatingDeserializationSchema{" + userRecordSchema + ", passCorruptAggregatesThrough="
        + passCorruptAggregatesThrough + ", hashRangePolicy=" + hashRangePolicy + "}";
  }

  /**
   * Configures a {@link DeaggregatingDeserializationSchema}; the options mirror codec-core's {@link
   * Deaggregator.Builder}. Not thread-safe.
   *
   * @param <T> what your schema produces per user record
   */
  public static final class Builder<T> {
    private final DeserializationSchema<T> userRecordSchema;
    private boolean passCorruptAggregatesThrough;
    private HashRangePolicy hashRangePolicy = HashRangePolicy.KEEP_ALL;
    private ShardRangeLookup shardRanges;

    private Builder(DeserializationSchema<T> userRecordSchema) {
      this.userRecordSchema = Objects.requireNonNull(userRecordSchema, "userRecordSchema");
    }

    /**
     * Whether a corrupt aggregate goes to your schema whole, counted and logged, as KCL does (true), or fails the
     * source with {@link CorruptAggregateException} (false, the default).
     *
     * @param passThrough whether to pass corrupt aggregates through
     * @return this builder
     */
    public Builder<T> passCorruptAggregatesThrough(boolean passThrough) {
      this.passCorruptAggregatesThrough = passThrough;
      return this;
    }

    /**
     * What happens to user records outside the hash key range of the shard they were read from (default {@link
     * HashRangePolicy#KEEP_ALL}); any other policy needs {@link #shardRangesFrom}.
     *
     * @param policy the hash-range policy
     * @return this builder
     */
    public Builder<T> hashRangePolicy(HashRangePolicy policy) {
      this.hashRangePolicy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Lists shard ranges with ListShards, using the same configuration as the {@code KinesisStreamsSource}
     * ({@code aws.region}, credentials, {@code aws.endpoint}, ...).
     *
     * @param sourceConfig the source's configuration
     * @return this builder
     */
    public Builder<T> shardRangesFrom(Configuration sourceConfig) {
      Properties properties = new Properties();
      Objects.requireNonNull(sourceConfig, "sourceConfig").addAllToProperties(properties);
      this.shardRanges = ShardRangeLookup.listShards(properties);
      return this;
    }

    /** Shard ranges from elsewhere (tests). */
    Builder<T> shardRanges(ShardRangeLookup lookup) {
      this.shardRanges = Objects.requireNonNull(lookup, "lookup");
      return this;
    }

    /**
     * The schema.
     *
     * @return an immutable schema
     * @throws IllegalStateException if a filtering hash-range policy has no shard ranges to filter by
     */
    public DeaggregatingDeserializationSchema<T> build() {
      if (hashRangePolicy != HashRangePolicy.KEEP_ALL && shardRanges == null) {
        throw new IllegalStateException("Hash-range policy " + hashRangePolicy
            + " needs the shards' ranges: call shardRangesFrom(sourceConfig)");
      }
      return new DeaggregatingDeserializationSchema<>(this);
    }
  }
}
