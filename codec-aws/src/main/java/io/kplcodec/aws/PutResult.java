package io.kplcodec.aws;

/**
 * Where a user record ended up: the shard, the sequence number of the Kinesis record that carried it, and its
 * position in that record ({@code subSequenceNumber}, 0 for a record sent raw). Together they identify it exactly as
 * a consumer sees it ({@link DeaggregatedRecord#sequenceNumber()}, {@link DeaggregatedRecord#subSequenceNumber()}).
 * Immutable and thread-safe.
 *
 * @param shardId the shard the record landed on
 * @param sequenceNumber the sequence number of the Kinesis record that carried it
 * @param subSequenceNumber its position in the aggregate, from 0; 0 if sent raw
 * @param aggregated whether it was sent inside an aggregate
 * @param attempts how many times it was sent (1 unless retried or re-sent)
 */
public record PutResult(String shardId, String sequenceNumber, long subSequenceNumber, boolean aggregated,
    int attempts) {}
