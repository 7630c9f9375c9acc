package io.kplcodec.compat;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * KCL 3.5.1 as it behaves in an application that has {@code javax.xml.bind} on its class path (many do, through
 * other libraries): loaded in its own class loader next to a minimal {@code DatatypeConverter}, so that its error
 * path completes instead of throwing NoClassDefFoundError. Used only to pin what KCL then returns.
 */
final class KclWithJaxb {
  private static final String STUB = "package javax.xml.bind;\n"
      + "public final class DatatypeConverter {\n"
      + "  public static String printBase64Binary(byte[] b) { return java.util.Base64.getEncoder().encodeToString(b); }\n"
      + "}\n";

  private static ClassLoader loader;

  private KclWithJaxb() {}

  /** KCL's user records for one record (partition key, explicit hash key, data). */
  static synchronized List<CompatRecord> deaggregate(byte[] data) throws ReflectiveOperationException {
    ClassLoader kcl = loader();
    Class<?> recordClass = kcl.loadClass("software.amazon.kinesis.retrieval.KinesisClientRecord");
    Object builder = recordClass.getMethod("builder").invoke(null);
    Class<?> builderClass = builder.getClass();
    builderClass.getMethod("data", ByteBuffer.class).invoke(builder, ByteBuffer.wrap(data.clone()));
    builderClass.getMethod("partitionKey", String.class).invoke(builder, KclCodec.OUTER_PARTITION_KEY);
    builderClass.getMethod("sequenceNumber", String.class).invoke(builder, KclCodec.OUTER_SEQUENCE_NUMBER);
    Object record = builderClass.getMethod("build").invoke(builder);
    Class<?> utilClass = kcl.loadClass("software.amazon.kinesis.retrieval.AggregatorUtil");
    Object util = utilClass.getConstructor().newInstance();
    List<?> output = (List<?>) utilClass.getMethod("deaggregate", List.class).invoke(util, List.of(record));
    Method partitionKey = recordClass.getMethod("partitionKey");
    Method explicitHashKey = recordClass.getMethod("explicitHashKey");
    Method bytes = recordClass.getMethod("data");
    List<CompatRecord> records = new ArrayList<>();
    for (Object r : output) {
      records.add(new CompatRecord((String) partitionKey.invoke(r), (String) explicitHashKey.invoke(r),
          KclCodec.bytes((ByteBuffer) bytes.invoke(r))));
    }
    return records;
  }

  private static ClassLoader loader() {
    if (loader == null) {
      try {
        Path stubs = Files.createTempDirectory("kcl-jaxb-stub");
        Path source = stubs.resolve("javax/xml/bind/DatatypeConverter.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, STUB);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null || javac.run(null, null, null, "-d", stubs.toString(), source.toString()) != 0) {
          throw new IllegalStateException("Could not compile the javax.xml.bind stub (tests need a JDK)");
        }
        List<URL> urls = new ArrayList<>();
        urls.add(stubs.toUri().toURL());
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
          urls.add(Path.of(entry).toUri().toURL());
        }
        // Parent: the platform loader, so that KCL, protobuf-java and the stub all come from this loader.
        loader = new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
      } catch (MalformedURLException e) {
        throw new IllegalStateException(e);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return loader;
  }
}
