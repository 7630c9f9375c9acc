package io.kplcodec.aws;

import io.kplcodec.KinesisRecord;
import java.util.Arrays;

/** A completed Kinesis record and the user records it carries, in sub-sequence order. Not thread-safe. */
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

  /** Every user record of it selected. */
  boolean[] all() {
    boolean[] every = new boolean[users.length];
    Arrays.fill(every, true);
    return every;
  }

  void attemptFailed(Throwable error, boolean outcomeUnknown) {
    for (PendingRecord pending : users) {
      pending.attemptFailed(error, outcomeUnknown);
    }
  }

  /** Gives its buffer back, and its slack to the admission: its user records are accounted for elsewhere. */
  void release(Admission admission) {
    record.release();
    admission.release(slack, 0, false);
  }
}
