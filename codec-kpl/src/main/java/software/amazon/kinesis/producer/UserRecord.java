package software.amazon.kinesis.producer;

import com.amazonaws.services.schemaregistry.common.Schema;
import java.nio.ByteBuffer;

/**
 * A user record for {@link KinesisProducer#addUserRecord(UserRecord)}: the stream, partition key, optional explicit
 * hash key and data. A plain mutable bean, as the KPL's: not thread-safe; do not change it after adding it.
 *
 * <p>The Glue Schema Registry {@link Schema} is an optional dependency ({@code
 * software.amazon.glue:schema-registry-common}): only code that calls the schema methods needs it on its class path.
 * kpl-codec does not encode records with a schema: see {@link KinesisProducer#addUserRecord(String, String, String,
 * ByteBuffer, Schema)}.
 */
public class UserRecord {
  private String streamName;
  private String partitionKey;
  private String explicitHashKey;
  private ByteBuffer data;
  /** A {@link Schema} or null; held as Object so that this class links without the optional Glue dependency. */
  private Object schema;

  /** An empty record: set at least the stream, the partition key and the data before adding it. */
  public UserRecord() {}

  /**
   * A record.
   *
   * @param streamName the stream's name
   * @param partitionKey 1 to 256 characters
   * @param data the data (its position to its limit)
   */
  public UserRecord(String streamName, String partitionKey, ByteBuffer data) {
    this(streamName, partitionKey, null, data);
  }

  /**
   * A record with an explicit hash key.
   *
   * @param streamName the stream's name
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey a decimal integer from 0 to 2^128 - 1 that decides the shard instead of the partition
   *     key's MD5, or null
   * @param data the data (its position to its limit)
   */
  public UserRecord(String streamName, String partitionKey, String explicitHashKey, ByteBuffer data) {
    this.streamName = streamName;
    this.partitionKey = partitionKey;
    this.explicitHashKey = explicitHashKey;
    this.data = data;
  }

  /**
   * A record with a Glue Schema Registry schema (not supported by kpl-codec when added: see the class comment).
   *
   * @param streamName the stream's name
   * @param partitionKey 1 to 256 characters
   * @param explicitHashKey as for {@link #UserRecord(String, String, String, ByteBuffer)}, or null
   * @param data the data (its position to its limit)
   * @param schema the schema, or null
   */
  public UserRecord(String streamName, String partitionKey, String explicitHashKey, ByteBuffer data, Schema schema) {
    this(streamName, partitionKey, explicitHashKey, data);
    this.schema = schema;
  }

  /**
   * The stream's name.
   *
   * @return the name, or null if not set
   */
  public String getStreamName() {
    return streamName;
  }

  /**
   * Sets the stream's name.
   *
   * @param streamName the name
   */
  public void setStreamName(String streamName) {
    this.streamName = streamName;
  }

  /**
   * Sets the stream's name.
   *
   * @param streamName the name
   * @return this record
   */
  public UserRecord withStreamName(String streamName) {
    this.streamName = streamName;
    return this;
  }

  /**
   * The partition key.
   *
   * @return the key, or null if not set
   */
  public String getPartitionKey() {
    return partitionKey;
  }

  /**
   * Sets the partition key.
   *
   * @param partitionKey 1 to 256 characters
   */
  public void setPartitionKey(String partitionKey) {
    this.partitionKey = partitionKey;
  }

  /**
   * Sets the partition key.
   *
   * @param partitionKey 1 to 256 characters
   * @return this record
   */
  public UserRecord withPartitionKey(String partitionKey) {
    this.partitionKey = partitionKey;
    return this;
  }

  /**
   * The data.
   *
   * @return the buffer, or null if not set
   */
  public ByteBuffer getData() {
    return data;
  }

  /**
   * Sets the data.
   *
   * @param data the data (its position to its limit)
   */
  public void setData(ByteBuffer data) {
    this.data = data;
  }

  /**
   * Sets the data.
   *
   * @param data the data (its position to its limit)
   * @return this record
   */
  public UserRecord withData(ByteBuffer data) {
    this.data = data;
    return this;
  }

  /**
   * The explicit hash key.
   *
   * @return the key, or null if none
   */
  public String getExplicitHashKey() {
    return explicitHashKey;
  }

  /**
   * Sets the explicit hash key.
   *
   * @param explicitHashKey a decimal integer from 0 to 2^128 - 1, or null
   */
  public void setExplicitHashKey(String explicitHashKey) {
    this.explicitHashKey = explicitHashKey;
  }

  /**
   * Sets the explicit hash key.
   *
   * @param explicitHashKey a decimal integer from 0 to 2^128 - 1, or null
   * @return this record
   */
  public UserRecord withExplicitHashKey(String explicitHashKey) {
    this.explicitHashKey = explicitHashKey;
    return this;
  }

  /**
   * The Glue Schema Registry schema.
   *
   * @return the schema, or null if none
   */
  public Schema getSchema() {
    return (Schema) schema;
  }

  /**
   * Sets the Glue Schema Registry schema (not supported by kpl-codec when added: see the class comment).
   *
   * @param schema the schema, or null
   */
  public void setSchema(Schema schema) {
    this.schema = schema;
  }

  /**
   * Sets the Glue Schema Registry schema (not supported by kpl-codec when added: see the class comment).
   *
   * @param schema the schema, or null
   * @return this record
   */
  public UserRecord withSchema(Schema schema) {
    this.schema = schema;
    return this;
  }

  /** Whether a schema is set, without touching the optional Glue classes. */
  boolean hasSchema() {
    return schema != null;
  }

  @Override
  public String toString() {
    return "UserRecord(streamName=" + streamName + ", partitionKey=" + partitionKey + ", explicitHashKey="
        + explicitHashKey + ", data=" + data + ", schema=" + schema + ")";
  }
}
