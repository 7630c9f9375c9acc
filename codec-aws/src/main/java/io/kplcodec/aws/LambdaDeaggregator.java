package io.kplcodec.aws;

import com.amazonaws.services.lambda.runtime.events.KinesisEvent;
import com.amazonaws.services.lambda.runtime.events.KinesisEvent.KinesisEventRecord;
import io.kplcodec.Deaggregator;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Deaggregates the records of a Lambda {@link KinesisEvent} (aws-lambda-java-events) into user records that keep
 * the event record's sequence number, arrival time, encryption type and event source ARN.
 *
 * <p>Lambda does not say which shard a batch came from, so there is no hash-range filter by default; corrupt
 * aggregates are the wrapped {@link Deaggregator}'s business (thrown by default, so a Lambda retry or a
 * bisect-on-error configuration can isolate them).
 *
 * <p>Immutable and thread-safe: keep one in a static field of the handler.
 */
public final class LambdaDeaggregator {
  private final Deaggregator deaggregator;

  private LambdaDeaggregator(Deaggregator deaggregator) {
    this.deaggregator = deaggregator;
  }

  /**
   * With {@link Deaggregator#create()}: MD5 verified, corrupt aggregates thrown.
   *
   * @return a Lambda deaggregator that verifies the MD5, throws on corrupt aggregates and filters no hash range
   */
  public static LambdaDeaggregator create() {
    return new LambdaDeaggregator(Deaggregator.create());
  }

  /**
   * With this deaggregator's policies.
   *
   * @param deaggregator its MD5 check, corrupt-aggregate and hash-range policies, hash range and listener apply to
   *     every record
   * @return a Lambda deaggregator over it
   * @throws NullPointerException if {@code deaggregator} is null
   */
  public static LambdaDeaggregator of(Deaggregator deaggregator) {
    return new LambdaDeaggregator(Objects.requireNonNull(deaggregator, "deaggregator"));
  }

  /**
   * The user records of every record of the event, in order.
   *
   * @param event a Lambda Kinesis event; its records' data are not copied, so they must not change while the user
   *     records are used
   * @return a new list: the user records of the first event record, then those of the next, each in aggregate order
   * @throws io.kplcodec.CorruptAggregateException if a record is a corrupt aggregate and the deaggregator does not
   *     pass those through (the default); nothing is returned for the event then
   * @throws NullPointerException if {@code event} or its list of records is null
   */
  public List<DeaggregatedRecord> deaggregate(KinesisEvent event) {
    return deaggregate(event.getRecords());
  }

  /**
   * The user records of these event records, in order.
   *
   * @param records records of a Lambda Kinesis event; their data are not copied
   * @return a new list: the user records of each event record in turn, each in aggregate order
   * @throws io.kplcodec.CorruptAggregateException if a record is a corrupt aggregate and the deaggregator does not
   *     pass those through (the default); nothing is returned for the list then
   */
  public List<DeaggregatedRecord> deaggregate(List<KinesisEventRecord> records) {
    List<DeaggregatedRecord> out = new ArrayList<>(records.size());
    for (KinesisEventRecord record : records) {
      deaggregate(record, out);
    }
    return out;
  }

  /**
   * The user records of one event record, in order.
   *
   * @param record a record of a Lambda Kinesis event; its data are not copied
   * @return a new list of its user records in aggregate order: one record, not aggregated, if it is not an aggregate
   * @throws io.kplcodec.CorruptAggregateException if it is a corrupt aggregate and the deaggregator does not pass
   *     those through (the default)
   */
  public List<DeaggregatedRecord> deaggregate(KinesisEventRecord record) {
    List<DeaggregatedRecord> out = new ArrayList<>();
    deaggregate(record, out);
    return out;
  }

  private void deaggregate(KinesisEventRecord eventRecord, List<DeaggregatedRecord> out) {
    KinesisEvent.Record record = eventRecord.getKinesis();
    ByteBuffer data = record.getData();
    String eventSourceArn = eventRecord.getEventSourceARN();
    java.time.Instant arrival = record.getApproximateArrivalTimestamp() == null
        ? null : record.getApproximateArrivalTimestamp().toInstant();
    deaggregator.visit(data, (partitionKey, explicitHashKey, source, offset, length, subSequenceNumber) ->
        out.add(new DeaggregatedRecord(
            partitionKey == null ? record.getPartitionKey() : partitionKey,
            explicitHashKey,
            source.slice(offset, length),
            record.getSequenceNumber(),
            subSequenceNumber,
            partitionKey != null,
            arrival,
            record.getEncryptionType(),
            eventSourceArn)));
  }

  @Override
  public String toString() {
    return "LambdaDeaggregator{" + deaggregator + "}";
  }
}
