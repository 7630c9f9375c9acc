package io.kplcodec.flink;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * One Kinesis record on its way from the aggregation step to {@code KinesisStreamsSink}: a KPL aggregate, or a lone
 * user record sent raw, with the partition key that routes it to its shard.
 *
 * <p>Immutable and thread-safe (the data array is never changed once the record is made, and {@link #data()}
 * returns it without a copy: do not modify it). Flink serializes it with {@link Serializer}, which never goes
 * through Kryo and, since the type is immutable, hands it between chained operators without copying.
 */
public final class KinesisAggregate {
  private final String partitionKey;
  private final byte[] data;

  /**
   * @param partitionKey the partition key to put the record with
   * @param data the record's bytes, not copied
   */
  public KinesisAggregate(String partitionKey, byte[] data) {
    this.partitionKey = Objects.requireNonNull(partitionKey, "partitionKey");
    this.data = Objects.requireNonNull(data, "data");
  }

  /**
   * The partition key to put the record with; its MD5 lies in the hash key range of the record's shard.
   *
   * @return the partition key
   */
  public String partitionKey() {
    return partitionKey;
  }

  /**
   * The record's bytes (the array itself: do not modify it).
   *
   * @return the record's data
   */
  public byte[] data() {
    return data;
  }

  /**
   * The type information that makes Flink use {@link Serializer}.
   *
   * @return the type information
   */
  public static TypeInformation<KinesisAggregate> typeInformation() {
    return TypeInfo.INSTANCE;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KinesisAggregate
        && partitionKey.equals(((KinesisAggregate) o).partitionKey)
        && Arrays.equals(data, ((KinesisAggregate) o).data);
  }

  @Override
  public int hashCode() {
    return partitionKey.hashCode() * 31 + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "KinesisAggregate{partitionKey=" + partitionKey + ", dataLength=" + data.length + "}";
  }

  /**
   * Flink's serializer for {@link KinesisAggregate}: the partition key (modified UTF-8), the data length, the data.
   * Stateless and thread-safe.
   */
  public static final class Serializer extends TypeSerializerSingleton<KinesisAggregate> {
    private static final long serialVersionUID = 1L;
    /** The one instance. */
    public static final Serializer INSTANCE = new Serializer();

    private Serializer() {}

    @Override
    public boolean isImmutableType() {
      return true;
    }

    @Override
    public KinesisAggregate createInstance() {
      return new KinesisAggregate("0", new byte[0]);
    }

    @Override
    public KinesisAggregate copy(KinesisAggregate from) {
      return from;
    }

    @Override
    public KinesisAggregate copy(KinesisAggregate from, KinesisAggregate reuse) {
      return from;
    }

    @Override
    public int getLength() {
      return -1;
    }

    @Override
    public void serialize(KinesisAggregate record, DataOutputView target) throws IOException {
      target.writeUTF(record.partitionKey);
      target.writeInt(record.data.length);
      target.write(record.data);
    }

    @Override
    public KinesisAggregate deserialize(DataInputView source) throws IOException {
      String partitionKey = source.readUTF();
      int length = source.readInt();
      if (length < 0) {
        throw new IOException("Negative data length " + length + " for a KinesisAggregate");
      }
      byte[] data = new byte[length];
      source.readFully(data);
      return new KinesisAggregate(partitionKey, data);
    }

    @Override
    public KinesisAggregate deserialize(KinesisAggregate reuse, DataInputView source) throws IOException {
      return deserialize(source);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
      target.writeUTF(source.readUTF());
      int length = source.readInt();
      target.writeInt(length);
      target.write(source, length);
    }

    @Override
    public TypeSerializerSnapshot<KinesisAggregate> snapshotConfiguration() {
      return new SerializerSnapshot();
    }

    /**
     * The one instance, also after deserialization.
     *
     * @return {@code INSTANCE}
     */
    private Object readResolve() {
      return INSTANCE;
    }
  }

  /** The snapshot of {@link Serializer} kept in checkpoints and savepoints. Stateless and thread-safe. */
  public static final class SerializerSnapshot extends SimpleTypeSerializerSnapshot<KinesisAggregate> {
    /** Made by Flink when it reads a snapshot. */
    public SerializerSnapshot() {
      super(() -> Serializer.INSTANCE);
    }
  }

  /** Type information for {@link KinesisAggregate}: not a POJO, not Kryo, just {@link Serializer}. */
  private static final class TypeInfo extends TypeInformation<KinesisAggregate> {
    private static final long serialVersionUID = 1L;
    static final TypeInfo INSTANCE = new TypeInfo();

    @Override
    public boolean isBasicType() {
      return false;
    }

    @Override
    public boolean isTupleType() {
      return false;
    }

    @Override
    public int getArity() {
      return 1;
    }

    @Override
    public int getTotalFields() {
      return 1;
    }

    @Override
    public Class<KinesisAggregate> getTypeClass() {
      return KinesisAggregate.class;
    }

    @Override
    public boolean isKeyType() {
      return false;
    }

    @Override
    @SuppressWarnings("deprecation") // the abstract method Flink 1.19 still requires
    public TypeSerializer<KinesisAggregate> createSerializer(ExecutionConfig config) {
      return Serializer.INSTANCE;
    }

    @Override
    public String toString() {
      return "KinesisAggregate";
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof TypeInfo;
    }

    @Override
    public int hashCode() {
      return TypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object o) {
      return o instanceof TypeInfo;
    }

    private Object readResolve() {
      return INSTANCE;
    }
  }
}
