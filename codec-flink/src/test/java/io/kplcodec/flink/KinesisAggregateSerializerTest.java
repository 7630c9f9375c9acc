package io.kplcodec.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.junit.jupiter.api.Test;

/** Flink's own serializer test suite (copy, snapshots, duplicates, streams) run over {@link KinesisAggregate}. */
class KinesisAggregateSerializerTest extends SerializerTestBase<KinesisAggregate> {
  @Override
  protected TypeSerializer<KinesisAggregate> createSerializer() {
    return KinesisAggregate.Serializer.INSTANCE;
  }

  @Override
  protected int getLength() {
    return -1;
  }

  @Override
  protected Class<KinesisAggregate> getTypeClass() {
    return KinesisAggregate.class;
  }

  @Override
  protected KinesisAggregate[] getTestData() {
    byte[] large = new byte[1024 * 1024];
    for (int i = 0; i < large.length; i++) {
      large[i] = (byte) (i * 31);
    }
    return new KinesisAggregate[] {
      new KinesisAggregate("0", new byte[0]),
      new KinesisAggregate("customer-7", "{\"order\":1}".getBytes(StandardCharsets.UTF_8)),
      new KinesisAggregate("ключ-€-😀", new byte[] {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2}),
      new KinesisAggregate("k".repeat(256), large),
    };
  }

  @Test
  @SuppressWarnings("deprecation")
  void typeInformationMakesThisSerializerAndSurvivesJavaSerialization() throws Exception {
    TypeInformation<KinesisAggregate> type = KinesisAggregate.typeInformation();
    assertSame(KinesisAggregate.Serializer.INSTANCE, type.createSerializer(new ExecutionConfig()));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(type);
      out.writeObject(KinesisAggregate.Serializer.INSTANCE);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      assertEquals(type, in.readObject());
      assertSame(KinesisAggregate.Serializer.INSTANCE, in.readObject());
    }
  }
}
