package io.kplcodec.flink;

import java.io.Serializable;
import java.util.function.Function;

/**
 * Gives a user record's explicit hash key (a decimal in 0..2^128-1), or null to route it by the MD5 of its partition
 * key. {@link KinesisProducerSink} sends it as given (a lone user record goes raw with it). {@code
 * KinesisStreamsSink} itself cannot send one; {@link AggregatingKinesisSink} honours it by aggregating the user record
 * into the aggregate of the shard that owns the key (the explicit hash key is kept inside the aggregate for
 * consumers).
 *
 * <p>The key may be in any form the KPL accepts (surrounding whitespace, a sign, leading zeros: {@code " +0042"}); it
 * is kept in the aggregate in canonical form ({@code "42"}), as the KPL writes it. A key that is not a decimal integer
 * in 0..2^128-1 fails the record with an {@link IllegalArgumentException} naming the problem, with or without a shard
 * map.
 *
 * <p>Implementations are serialized with the job and called on one task thread at a time.
 *
 * @param <T> the user record type
 */
@FunctionalInterface
public interface ExplicitHashKeyGenerator<T> extends Function<T, String>, Serializable {}
