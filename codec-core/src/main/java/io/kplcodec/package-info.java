/**
 * Aggregation ({@link io.kplcodec.Aggregator}, {@link io.kplcodec.AggregateEncoder}), deaggregation ({@link
 * io.kplcodec.Deaggregator}) and PutRecords batching ({@link io.kplcodec.PutRecordsBatcher}) for the Kinesis Producer
 * Library's aggregated record format, with no runtime dependencies.
 */
package io.kplcodec;
