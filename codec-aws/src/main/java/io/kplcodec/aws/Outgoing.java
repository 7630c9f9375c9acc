package io.kplcodec.aws;

import io.kplcodec.KinesisRecord;

/** A completed Kinesis record and the user records it carries, in sub-sequence order. */
final class Outgoing {
  final KinesisRecord record;
  final PendingRecord[] users;
  /** Bytes of its buffer beyond what its user records cost, charged to the admission until released. */
  final long slack;

  Outgoing(KinesisRecord record, PendingRecord[] users, long slack) {
    this.record = record;
    this.users = users;
    this.slack = slack;
  }

  String shardId() {
    return record.predictedShardId();
  }
}
