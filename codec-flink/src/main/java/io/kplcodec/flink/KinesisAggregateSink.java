package io.kplcodec.flink;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Objects;
import org.apache.flink.api.connector.sink2.StatefulSink;
import org.apache.flink.connector.base.sink.writer.BufferedRequestState;
import org.apache.flink.connector.kinesis.sink.KinesisStreamsSink;
import org.apache.flink.connector.kinesis.sink.KinesisStreamsStateSerializer;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.kinesis.shaded.software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;

/**
 * Flink's {@code KinesisStreamsSink}, unchanged but for the serializer of its checkpointed state: the connector's
 * own (4.3.0) writes a buffered entry's partition key as its length in UTF-16 chars followed by its UTF-8 bytes, so
 * a checkpoint holding an entry whose key has a non-ASCII character cannot be restored (an EOFException, or the
 * following entries misread). Aggregates carry their first user record's partition key, which may be any Unicode,
 * so this sink writes the UTF-8 byte length instead: the same bytes as the connector's for ASCII keys (the only
 * state the connector can read back), and a correct round trip for every key.
 *
 * <p>Immutable and thread-safe, as the sink it wraps.
 */
@SuppressWarnings("deprecation") // StatefulSink: what KinesisStreamsSink 4.3.0 (AsyncSinkBase) implements
final class KinesisAggregateSink
    implements StatefulSink<KinesisAggregate, BufferedRequestState<PutRecordsRequestEntry>> {
  private static final long serialVersionUID = 1L;

  private final KinesisStreamsSink<KinesisAggregate> sink;

  KinesisAggregateSink(KinesisStreamsSink<KinesisAggregate> sink) {
    this.sink = Objects.requireNonNull(sink, "sink");
  }

  @Override
  public StatefulSinkWriter<KinesisAggregate, BufferedRequestState<PutRecordsRequestEntry>> createWriter(
      InitContext context) throws IOException {
    return sink.createWriter(context);
  }

  @Override
  public StatefulSinkWriter<KinesisAggregate, BufferedRequestState<PutRecordsRequestEntry>> restoreWriter(
      InitContext context, Collection<BufferedRequestState<PutRecordsRequestEntry>> recoveredState)
      throws IOException {
    return sink.restoreWriter(context, recoveredState);
  }

  @Override
  public SimpleVersionedSerializer<BufferedRequestState<PutRecordsRequestEntry>> getWriterStateSerializer() {
    return new Utf8StateSerializer();
  }

  @Override
  public String toString() {
    return "KinesisAggregateSink{" + sink + "}";
  }

  /** The connector's state serializer with partition keys stored by their UTF-8 length. Stateless, thread-safe. */
  static final class Utf8StateSerializer extends KinesisStreamsStateSerializer {
    @Override
    protected void serializePartitionKeyToStream(String partitionKey, DataOutputStream out) throws IOException {
      byte[] bytes = partitionKey.getBytes(StandardCharsets.UTF_8);
      out.writeInt(bytes.length);
      out.write(bytes);
    }

    @Override
    protected String deserializePartitionKeyFromStream(DataInputStream in) throws IOException {
      int length = in.readInt();
      // A partition key is at most 256 chars, so at most 1,024 UTF-8 bytes: anything else is not our state.
      if (length < 0 || length > 1024) {
        throw new IOException("Invalid partition key length " + length + " in the Kinesis sink's state");
      }
      byte[] bytes = new byte[length];
      in.readFully(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }
}
