package io.kplcodec.aws;

import java.util.List;

/**
 * A {@link KinesisProducer}'s counters and backpressure signals over JMX, registered by {@link
 * KinesisProducer.Builder#jmx} as {@code io.kplcodec:type=KinesisProducer,stream=<the builder's stream>,id=<n>} and
 * unregistered by {@link KinesisProducer#close()}. Each attribute is the {@link ProducerCounters} field or producer
 * method of the same name. Thread-safe.
 */
public interface KinesisProducerMXBean {
  /** @return the streams written to, the builder's first */
  List<String> getStreams();

  /** @return {@link KinesisProducer#outstandingRecords()} */
  int getOutstandingRecords();

  /** @return {@link KinesisProducer#oldestRecordAge()} in milliseconds */
  long getOldestRecordAgeMillis();

  /** @return {@link ProducerCounters#userRecordsAdded()} */
  long getUserRecordsAdded();

  /** @return {@link ProducerCounters#userRecordsPut()} */
  long getUserRecordsPut();

  /** @return {@link ProducerCounters#userRecordsFailed()} */
  long getUserRecordsFailed();

  /** @return {@link ProducerCounters#userRecordsFailedMayHaveBeenStored()} */
  long getUserRecordsFailedMayHaveBeenStored();

  /** @return {@link ProducerCounters#kinesisRecordsSent()} */
  long getKinesisRecordsSent();

  /** @return {@link ProducerCounters#aggregatesSent()} */
  long getAggregatesSent();

  /** @return {@link ProducerCounters#putRecordsRequests()} */
  long getPutRecordsRequests();

  /** @return {@link ProducerCounters#failedRequests()} */
  long getFailedRequests();

  /** @return {@link ProducerCounters#failedEntries()} */
  long getFailedEntries();

  /** @return {@link ProducerCounters#retriedEntries()} */
  long getRetriedEntries();

  /** @return {@link ProducerCounters#misroutedRecords()} */
  long getMisroutedRecords();

  /** @return {@link ProducerCounters#userRecordsResent()} */
  long getUserRecordsResent();

  /** @return {@link ProducerCounters#shardMapRefreshes()} */
  long getShardMapRefreshes();

  /** @return {@link ProducerCounters#longestAddBlock()} in milliseconds */
  long getLongestAddBlockMillis();
}
