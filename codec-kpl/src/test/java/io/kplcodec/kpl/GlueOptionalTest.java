package io.kplcodec.kpl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.kinesis.producer.KinesisProducer;
import software.amazon.kinesis.producer.KinesisProducerConfiguration;
import software.amazon.kinesis.producer.UserRecord;

/**
 * The Glue Schema Registry dependency is optional: the API works without it on the class path, and a record with a
 * schema is refused with a message saying what to do instead.
 */
class GlueOptionalTest {
  @Test
  void theApiWorksWithoutTheGlueSchemaRegistryOnTheClassPath() throws Exception {
    List<URL> urls = new ArrayList<>();
    int left = 0;
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      if (entry.contains("schema-registry")) {
        left++;
      } else {
        urls.add(Path.of(entry).toUri().toURL());
      }
    }
    assertTrue(left >= 1, "the test class path has the Glue jars (ours, and KCL's serde), left out here");
    try (URLClassLoader withoutGlue = new URLClassLoader(urls.toArray(URL[]::new),
        ClassLoader.getPlatformClassLoader())) {
      assertThrows(ClassNotFoundException.class,
          () -> withoutGlue.loadClass("com.amazonaws.services.schemaregistry.common.Schema"));
      Runnable use = (Runnable) withoutGlue.loadClass(GlueFreeUse.class.getName()).getConstructor().newInstance();
      use.run();
    }
  }

  @Test
  void aRecordWithASchemaIsRefusedSayingWhatToDo() {
    KinesisProducer producer = new KinesisProducer(new KinesisProducerConfiguration().setRegion("us-east-1")
        .setKinesisEndpoint("127.0.0.1").setKinesisPort(9).setMetricsLevel("none"));
    try {
      com.amazonaws.services.schemaregistry.common.Schema schema =
          new com.amazonaws.services.schemaregistry.common.Schema("{}", "AVRO", "orders");
      String message = assertThrows(UnsupportedOperationException.class,
          () -> producer.addUserRecord("s", "k", null, ByteBuffer.allocate(1), schema)).getMessage();
      assertTrue(message.contains("GlueSchemaRegistrySerializer"), message);
      assertThrows(UnsupportedOperationException.class,
          () -> producer.addUserRecord(new UserRecord("s", "k", null, ByteBuffer.allocate(1), schema)));
      assertEquals(0, producer.getOutstandingRecordsCount());
    } finally {
      producer.destroy();
    }
  }
}
