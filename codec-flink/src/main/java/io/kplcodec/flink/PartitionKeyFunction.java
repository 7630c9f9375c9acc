package io.kplcodec.flink;

import java.io.Serializable;
import java.util.function.Function;

/**
 * Gives a user record's partition key (1 to 256 characters) for {@link KinesisProducerSink}. It decides the shard
 * the user record belongs to, unless an {@link ExplicitHashKeyGenerator} gives an explicit hash key.
 *
 * <p>Implementations are serialized with the job and called on one task thread at a time.
 *
 * @param <T> the user record type
 */
@FunctionalInterface
public interface PartitionKeyFunction<T> extends Function<T, String>, Serializable {}
