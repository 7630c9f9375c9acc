package io.kplcodec.aws;

/**
 * What a {@link KinesisProducer} did so far: a snapshot, consistent as a whole. Immutable and thread-safe.
 *
 * @param userRecordsAdded user records accepted by {@code add}
 * @param userRecordsPut user records whose future completed with a {@link PutResult}
 * @param userRecordsFailed user records whose future failed
 * @param userRecordsFailedMayHaveBeenStored of those, user records whose failure says they may already be in the
 *     stream ({@link KinesisProducerException#mayHaveBeenStored()})
 * @param kinesisRecordsSent PutRecords entries sent, retries included
 * @param aggregatesSent of those, entries in the aggregated format
 * @param putRecordsRequests PutRecords calls made
 * @param failedRequests PutRecords calls that failed as a whole (network, throttling, service errors)
 * @param failedEntries entries the service refused inside a successful call (throttling, internal errors)
 * @param retriedEntries entries put back for another attempt after a failed call or a refused entry (user records
 *     of theirs that run out of time meanwhile expire instead); those of a call that failed on the way back may
 *     have been stored already, so they may become duplicates
 * @param misroutedRecords entries that landed on a shard other than the predicted one (a reshard)
 * @param userRecordsResent user records sent again because their entry landed on a shard other than the one that
 *     owns their hash key, or with a whole misrouted aggregate (see {@link KinesisProducer.MisroutePolicy})
 * @param userRecordsResentInRange of those, user records that were already on their right shard and were sent
 *     again only because a consumer dropping whole aggregates would lose them: each is a duplicate for a consumer
 *     that drops only out-of-range user records
 * @param shardMapRefreshes ListShards refreshes done after the first
 * @param longestAddBlock the longest an {@code add} blocked waiting for room
 * @param metricsFailures exceptions thrown by the {@link ProducerMetrics} listener, caught and counted
 */
public record ProducerCounters(
    long userRecordsAdded,
    long userRecordsPut,
    long userRecordsFailed,
    long userRecordsFailedMayHaveBeenStored,
    long kinesisRecordsSent,
    long aggregatesSent,
    long putRecordsRequests,
    long failedRequests,
    long failedEntries,
    long retriedEntries,
    long misroutedRecords,
    long userRecordsResent,
    long userRecordsResentInRange,
    long shardMapRefreshes,
    java.time.Duration longestAddBlock,
    long metricsFailures) {}
