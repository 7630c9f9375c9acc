package io.kplcodec.aws;

import java.util.List;

/** A producer's {@link KinesisProducerMXBean}: its counters and signals of the moment. Thread-safe. */
final class ProducerMXBean implements KinesisProducerMXBean {
  private final KinesisProducer producer;

  ProducerMXBean(KinesisProducer producer) {
    this.producer = producer;
  }

  @Override
  public List<String> getStreams() {
    return producer.streamNames();
  }

  @Override
  public int getOutstandingRecords() {
    return producer.outstandingRecords();
  }

  @Override
  public long getOldestRecordAgeMillis() {
    return producer.oldestRecordAge().toMillis();
  }

  @Override
  public long getUserRecordsAdded() {
    return producer.counters().userRecordsAdded();
  }

  @Override
  public long getUserRecordsPut() {
    return producer.counters().userRecordsPut();
  }

  @Override
  public long getUserRecordsFailed() {
    return producer.counters().userRecordsFailed();
  }

  @Override
  public long getUserRecordsFailedMayHaveBeenStored() {
    return producer.counters().userRecordsFailedMayHaveBeenStored();
  }

  @Override
  public long getKinesisRecordsSent() {
    return producer.counters().kinesisRecordsSent();
  }

  @Override
  public long getAggregatesSent() {
    return producer.counters().aggregatesSent();
  }

  @Override
  public long getPutRecordsRequests() {
    return producer.counters().putRecordsRequests();
  }

  @Override
  public long getFailedRequests() {
    return producer.counters().failedRequests();
  }

  @Override
  public long getFailedEntries() {
    return producer.counters().failedEntries();
  }

  @Override
  public long getRetriedEntries() {
    return producer.counters().retriedEntries();
  }

  @Override
  public long getMisroutedRecords() {
    return producer.counters().misroutedRecords();
  }

  @Override
  public long getUserRecordsResent() {
    return producer.counters().userRecordsResent();
  }

  @Override
  public long getShardMapRefreshes() {
    return producer.counters().shardMapRefreshes();
  }

  @Override
  public long getLongestAddBlockMillis() {
    return producer.counters().longestAddBlock().toMillis();
  }
}
