package io.kplcodec.compat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kplcodec.compat.proto.AggregatedRecordProtos.AggregatedRecord;
import io.kplcodec.compat.proto.AggregatedRecordProtos.Record;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What KCL 3.5.1's {@code AggregatorUtil.deaggregate} does with one record, written down from its source so that
 * the tests can check KCL against it (pinning every claim the README makes about KCL) and then hold kpl-codec to
 * the documented relation.
 */
final class KclModel {
  static final BigInteger MIN_HASH_KEY = BigInteger.ZERO;
  static final BigInteger MAX_HASH_KEY = RecordGenerator.MAX_HASH_KEY;

  /** KCL's outcome for one record. */
  sealed interface Outcome permits PassThrough, Records, AggregateDropped, ErrorPath {}

  /** Not taken for an aggregate (too short, no magic, MD5 mismatch, or protobuf that does not parse). */
  record PassThrough(boolean parseFailed) implements Outcome {}

  /** The user records (possibly none); {@code indexWrapped} if an int cast made an index land in its table. */
  record Records(List<CompatRecord> records, boolean indexWrapped) implements Outcome {}

  /** One user record's hash key was outside the range: every user record of the aggregate is dropped, silently. */
  record AggregateDropped(int firstOutOfRange, String explicitHashKey) implements Outcome {}

  /**
   * An exception inside the loop (index outside its table, explicit hash key not a number): KCL's catch block needs
   * {@code javax.xml.bind}, absent from KCL 3.5.1's dependencies, so the call throws NoClassDefFoundError.
   */
  record ErrorPath(int failingRecord, String cause) implements Outcome {}

  private KclModel() {}

  static Outcome predict(byte[] record) {
    return predict(record, MIN_HASH_KEY, MAX_HASH_KEY);
  }

  static Outcome predict(byte[] record, BigInteger startingHashKey, BigInteger endingHashKey) {
    byte[] message = ProtobufJavaCodec.messageOf(record);
    if (message == null) {
      return new PassThrough(false);
    }
    AggregatedRecord aggregate;
    try {
      aggregate = AggregatedRecord.parseFrom(message);
    } catch (InvalidProtocolBufferException e) {
      return new PassThrough(true);
    }
    List<String> partitionKeys = aggregate.getPartitionKeyTableList();
    List<String> explicitHashKeys = aggregate.getExplicitHashKeyTableList();
    List<CompatRecord> records = new ArrayList<>();
    boolean wrapped = false;
    for (int i = 0; i < aggregate.getRecordsCount(); i++) {
      Record r = aggregate.getRecords(i);
      int partitionKeyIndex = (int) r.getPartitionKeyIndex(); // KCL's cast
      if (partitionKeyIndex < 0 || partitionKeyIndex >= partitionKeys.size()) {
        return new ErrorPath(i, "partition key index " + Long.toUnsignedString(r.getPartitionKeyIndex()));
      }
      wrapped |= partitionKeyIndex != r.getPartitionKeyIndex();
      String partitionKey = partitionKeys.get(partitionKeyIndex);
      String explicitHashKey = null;
      if (r.hasExplicitHashKeyIndex()) {
        int explicitHashKeyIndex = (int) r.getExplicitHashKeyIndex();
        if (explicitHashKeyIndex < 0 || explicitHashKeyIndex >= explicitHashKeys.size()) {
          return new ErrorPath(i, "explicit hash key index " + Long.toUnsignedString(r.getExplicitHashKeyIndex()));
        }
        wrapped |= explicitHashKeyIndex != r.getExplicitHashKeyIndex();
        explicitHashKey = explicitHashKeys.get(explicitHashKeyIndex);
      }
      BigInteger hashKey;
      if (explicitHashKey == null) {
        hashKey = new BigInteger(1, ProtobufJavaCodec.md5(partitionKey.getBytes(StandardCharsets.UTF_8)));
      } else {
        try {
          hashKey = new BigInteger(explicitHashKey);
        } catch (NumberFormatException e) {
          return new ErrorPath(i, "explicit hash key " + explicitHashKey + " is not a number");
        }
      }
      if (hashKey.compareTo(startingHashKey) < 0 || hashKey.compareTo(endingHashKey) > 0) {
        return new AggregateDropped(i, explicitHashKey);
      }
      records.add(new CompatRecord(partitionKey, explicitHashKey, r.getData().toByteArray()));
    }
    return new Records(records, wrapped);
  }
}
