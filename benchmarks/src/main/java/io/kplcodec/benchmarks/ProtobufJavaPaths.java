package io.kplcodec.benchmarks;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kplcodec.compat.CompatRecord;
import io.kplcodec.compat.ProtobufJavaCodec;
import io.kplcodec.compat.proto.AggregatedRecordProtos.AggregatedRecord;
import io.kplcodec.compat.proto.AggregatedRecordProtos.Record;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The reference at its best: protoc-generated classes and protobuf-java 4.36.2, used as a careful protobuf-java user
 * would (one reused {@link MessageDigest}, serialization straight into the framed array, no extra copy).
 */
final class ProtobufJavaPaths {
  private static final byte[] MAGIC = ProtobufJavaCodec.MAGIC;
  private static final int DIGEST_LENGTH = 16;

  private ProtobufJavaPaths() {}

  static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * protobuf-java has no aggregator: this path gets the user records already cut into aggregates (cut as kpl-codec's
   * aggregator cuts them, outside the measured time) and, per aggregate, builds the message as the KPL does
   * ({@link ProtobufJavaCodec#toMessage}: key tables deduplicated through hash maps, one {@code Record} builder and
   * one {@code ByteString.copyFrom} per user record), serializes it between the magic and its MD5.
   */
  static final class Aggregation implements AggregationPath {
    private final List<List<CompatRecord>> chunks;
    private final MessageDigest md5 = md5();

    Aggregation(Workload workload) {
      if (workload.chunks.isEmpty()) {
        throw new IllegalArgumentException("protobuf-java has no shard-aware aggregation: " + workload);
      }
      this.chunks = workload.chunks;
      for (int i = 0; i < chunks.size(); i++) {
        if (!Arrays.equals(encode(chunks.get(i)), workload.aggregates[i])) {
          throw new IllegalStateException("protobuf-java and kpl-codec disagree on aggregate " + i + " of " + workload);
        }
      }
    }

    @Override
    public long aggregate(Blackhole blackhole) {
      long bytes = 0;
      for (int i = 0; i < chunks.size(); i++) {
        byte[] record = encode(chunks.get(i));
        blackhole.consume(record);
        bytes += record.length;
      }
      return bytes;
    }

    private byte[] encode(List<CompatRecord> chunk) {
      AggregatedRecord message = ProtobufJavaCodec.toMessage(chunk);
      int size = message.getSerializedSize();
      byte[] out = new byte[MAGIC.length + size + DIGEST_LENGTH];
      System.arraycopy(MAGIC, 0, out, 0, MAGIC.length);
      try {
        CodedOutputStream output = CodedOutputStream.newInstance(out, MAGIC.length, size);
        message.writeTo(output);
        output.checkNoSpaceLeft();
        md5.update(out, MAGIC.length, size);
        md5.digest(out, MAGIC.length + size, DIGEST_LENGTH);
      } catch (IOException | java.security.DigestException e) {
        throw new IllegalStateException(e);
      }
      return out;
    }
  }

  /**
   * KCL's own steps with protobuf-java, minus KCL: magic and MD5 checked in place (a reused digest), then
   * {@code AggregatedRecord.parser().parseFrom(record, 4, length)}, then each user record's partition key from the
   * table and its data as the parsed {@link ByteString}.
   */
  static final class Deaggregation implements DeaggregationPath {
    private final byte[] aggregate;
    private final MessageDigest md5 = md5();
    private final byte[] digest = new byte[DIGEST_LENGTH];

    Deaggregation(Workload workload) {
      this.aggregate = workload.fullAggregate();
    }

    @Override
    public long deaggregate(Blackhole blackhole) {
      byte[] record = aggregate;
      int messageLength = record.length - MAGIC.length - DIGEST_LENGTH;
      if (messageLength < 1 || !Arrays.equals(record, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
        throw new IllegalStateException("not aggregated");
      }
      try {
        md5.update(record, MAGIC.length, messageLength);
        md5.digest(digest, 0, DIGEST_LENGTH);
      } catch (java.security.DigestException e) {
        throw new IllegalStateException(e);
      }
      if (!Arrays.equals(digest, 0, DIGEST_LENGTH, record, record.length - DIGEST_LENGTH, record.length)) {
        throw new IllegalStateException("MD5 mismatch");
      }
      AggregatedRecord message;
      try {
        message = AggregatedRecord.parser().parseFrom(record, MAGIC.length, messageLength);
      } catch (InvalidProtocolBufferException e) {
        throw new UncheckedIOException(e);
      }
      long bytes = 0;
      for (Record userRecord : message.getRecordsList()) {
        blackhole.consume(message.getPartitionKeyTable((int) userRecord.getPartitionKeyIndex()));
        ByteString data = userRecord.getData();
        blackhole.consume(data);
        bytes += data.size();
      }
      return bytes;
    }
  }
}
