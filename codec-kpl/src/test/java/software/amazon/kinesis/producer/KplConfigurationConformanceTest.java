package software.amazon.kinesis.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * {@link KinesisProducerConfiguration} against the real KPL 1.0.7's, run side by side: the real class is loaded from
 * {@code target/real-kpl/} in a class loader of its own (its package's classes from the KPL jar, everything else from
 * the test class path). Every getter's default, and every setter's answer (accepted, or the exception's type and
 * message) to the same values, must be equal; so must {@code fromProperties} on good and bad properties.
 */
class KplConfigurationConformanceTest {
  private static final long[] NUMBERS = {Long.MIN_VALUE, -1, 0, 1, 15, 16, 17, 63, 64, 99, 100, 101, 499, 500, 501,
      4999, 5000, 52223, 52224, 60000, 60001, 65535, 65536, 300000, 300001, 600000, 600001, 1048576, 10485760,
      10485761, 4294967295L, Long.MAX_VALUE};
  private static final String[] TEXTS = {"", "x", "us-east-1", "eu-west-2", "us-gov-west-1", "cn-north-1", "DEBUG",
      "trace", "debug", "info", "warning", "error", "none", "summary", "detailed", "global", "stream", "shard",
      "PER_REQUEST", "POOLED", "kinesis.us-east-1.amazonaws.com", "127.0.0.1", "a b", "/tmp", "AWS/Kinesis",
      "x".repeat(255), "x".repeat(256), null};

  /** Loads the KPL's own classes of the package from its jar, and everything else from the test class path. */
  private static final class RealKplLoader extends URLClassLoader {
    RealKplLoader(URL jar) {
      super(new URL[] {jar}, KplConfigurationConformanceTest.class.getClassLoader());
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (name.startsWith("software.amazon.kinesis.producer.")) {
        synchronized (getClassLoadingLock(name)) {
          Class<?> loaded = findLoadedClass(name);
          return loaded != null ? loaded : findClass(name);
        }
      }
      return super.loadClass(name, resolve);
    }
  }

  private static Class<?> realConfiguration() throws IOException, ClassNotFoundException {
    Path jar = Path.of("target/real-kpl/amazon-kinesis-producer.jar");
    assertTrue(Files.isRegularFile(jar), "the build copies the real KPL to " + jar + " (mvn verify)");
    return new RealKplLoader(jar.toUri().toURL()).loadClass(KinesisProducerConfiguration.class.getName());
  }

  @Test
  void defaultsAndEverySettersAnswersAreTheKpls() throws Exception {
    Class<?> realType = realConfiguration();
    List<String> differences = new ArrayList<>();
    int checked = 0;
    Method[] methods = KinesisProducerConfiguration.class.getMethods();
    Arrays.sort(methods, Comparator.comparing(Method::toString));
    for (Method ours : methods) {
      if (ours.getDeclaringClass() != KinesisProducerConfiguration.class || Modifier.isStatic(ours.getModifiers())) {
        continue;
      }
      Class<?>[] types = ours.getParameterTypes();
      Method real = realType.getMethod(ours.getName(), realTypes(realType, types));
      if (types.length == 0 && (ours.getName().startsWith("get") || ours.getName().startsWith("is"))) {
        String mine = describe(ours.invoke(new KinesisProducerConfiguration()));
        String theirs = describe(real.invoke(realType.getConstructor().newInstance()));
        checked++;
        if (!mine.equals(theirs)) {
          differences.add(ours.getName() + "() default: " + mine + ", KPL: " + theirs);
        }
      } else if (types.length == 1 && ours.getName().startsWith("set")
          && !ours.getName().equals("setGlueSchemaRegistryPropertiesFilePath")) {
        for (Object value : valuesFor(types[0])) {
          String mine = answer(ours, new KinesisProducerConfiguration(), value);
          String theirs = answer(real, realType.getConstructor().newInstance(), value);
          checked++;
          if (!mine.equals(theirs)) {
            differences.add(ours.getName() + "(" + value + "): " + mine + ", KPL: " + theirs);
          }
        }
      }
    }
    for (String granularity : TEXTS) {
      String mine = answerDimension(new KinesisProducerConfiguration(), granularity);
      String theirs = answerDimension(realType.getConstructor().newInstance(), granularity);
      checked++;
      if (!mine.equals(theirs)) {
        differences.add("addAdditionalMetricsDimension(k, v, " + granularity + "): " + mine + ", KPL: " + theirs);
      }
    }
    assertEquals(List.of(), differences);
    assertTrue(checked > 1000, "checked " + checked);
  }

  @Test
  void fromPropertiesSetsParsesIgnoresAndRefusesAsTheKpl() throws Exception {
    Class<?> realType = realConfiguration();
    Method realFrom = realType.getMethod("fromProperties", Properties.class);
    String[][] cases = {{"RecordTtl", "1234"}, {"RecordTtl", "abc"}, {"RecordTtl", " 77 "}, {"RecordTtl", "-5"},
        {"AggregationEnabled", "false"}, {"AggregationEnabled", "yes"}, {"AggregationEnabled", "TRUE"},
        {"ThreadingModel", "POOLED"}, {"ThreadingModel", "bad"}, {"ThreadPoolSize", "3"}, {"ThreadPoolSize", "-3"},
        {"MetricsLevel", "none"}, {"Region", "eu-west-1"}, {"Region", "moon"}, {"KinesisPort", "4567"},
        {"CredentialsProvider", "x"}, {"NoSuchProperty", "1"}, {"LogLevel", "warning"}, {"CollectionMaxSize", "1"}};
    List<String> differences = new ArrayList<>();
    for (String[] c : cases) {
      Properties properties = new Properties();
      properties.setProperty(c[0], c[1]);
      String mine;
      try {
        mine = snapshot(KinesisProducerConfiguration.fromProperties(properties));
      } catch (RuntimeException e) {
        mine = e.getClass().getName() + ": " + e.getMessage();
      }
      String theirs;
      try {
        theirs = snapshot(realFrom.invoke(null, properties));
      } catch (InvocationTargetException e) {
        theirs = e.getCause().getClass().getName() + ": " + e.getCause().getMessage();
      }
      if (!mine.equals(theirs)) {
        differences.add(c[0] + "=" + c[1] + ": " + mine + ", KPL: " + theirs);
      }
    }
    assertEquals(List.of(), differences);
  }

  /** Every getter's value, for comparing two configurations. */
  private static String snapshot(Object config) throws Exception {
    StringBuilder out = new StringBuilder();
    Method[] methods = config.getClass().getMethods();
    Arrays.sort(methods, Comparator.comparing(Method::getName));
    for (Method m : methods) {
      if (m.getParameterCount() == 0 && !Modifier.isStatic(m.getModifiers())
          && (m.getName().startsWith("get") || m.getName().startsWith("is")) && !m.getName().equals("getClass")) {
        out.append(m.getName()).append('=').append(describe(m.invoke(config))).append(' ');
      }
    }
    return out.toString();
  }

  private static Class<?>[] realTypes(Class<?> realType, Class<?>[] types) {
    Class<?>[] mapped = types.clone();
    for (int i = 0; i < mapped.length; i++) {
      if (mapped[i] == KinesisProducerConfiguration.ThreadingModel.class) {
        mapped[i] = enumIn(realType);
      }
    }
    return mapped;
  }

  private static Class<?> enumIn(Class<?> realType) {
    for (Class<?> nested : realType.getDeclaredClasses()) {
      if (nested.isEnum()) {
        return nested;
      }
    }
    throw new AssertionError("no ThreadingModel in " + realType);
  }

  private static List<Object> valuesFor(Class<?> type) {
    List<Object> values = new ArrayList<>();
    if (type == long.class) {
      for (long n : NUMBERS) {
        values.add(n);
      }
    } else if (type == int.class) {
      for (long n : NUMBERS) {
        if (n >= Integer.MIN_VALUE && n <= Integer.MAX_VALUE) {
          values.add((int) n);
        }
      }
    } else if (type == boolean.class) {
      values.add(true);
      values.add(false);
    } else if (type == String.class) {
      values.addAll(Arrays.asList(TEXTS));
    }
    return values;
  }

  /** "ok: value read back" or "ExceptionType: message" (null-pointer messages differ by implementation). */
  private static String answer(Method setter, Object config, Object value) throws Exception {
    try {
      setter.invoke(config, value);
    } catch (InvocationTargetException e) {
      Throwable t = e.getCause();
      return t.getClass().getName() + (t instanceof NullPointerException ? "" : ": " + t.getMessage());
    }
    String getterName = setter.getName().replaceFirst("^set", "get");
    Method getter;
    try {
      getter = config.getClass().getMethod(getterName);
    } catch (NoSuchMethodException e) {
      getter = config.getClass().getMethod(setter.getName().replaceFirst("^set", "is"));
    }
    return "ok: " + describe(getter.invoke(config));
  }

  private static String answerDimension(Object config, String granularity) throws Exception {
    try {
      config.getClass().getMethod("addAdditionalMetricsDimension", String.class, String.class, String.class)
          .invoke(config, "k", "v", granularity);
      return "ok";
    } catch (InvocationTargetException e) {
      Throwable t = e.getCause();
      return t.getClass().getName() + (t instanceof NullPointerException ? "" : ": " + t.getMessage());
    }
  }

  /** A value as text; a credentials provider by its kind only (instances differ). */
  private static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof software.amazon.awssdk.auth.credentials.AwsCredentialsProvider) {
      return value.getClass().getSimpleName();
    }
    if (value instanceof Enum<?> e) {
      return e.name();
    }
    return value.toString();
  }
}
