package io.kplcodec.flink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Pins the public API to the checked-in dump {@code codec-flink/api/kpl-codec-flink.api}, so that every API change is
 * visible in review. After an intended change, regenerate it with
 * {@code mvn test -pl codec-flink -Dtest=PublicApiTest -Dkplcodec.updateApi=true}.
 */
class PublicApiTest {
  private static final Path DUMP = Path.of("api", "kpl-codec-flink.api");

  @Test
  void publicApiMatchesTheCheckedInDump() throws IOException, URISyntaxException, ClassNotFoundException {
    String actual = dump();
    if (Boolean.getBoolean("kplcodec.updateApi")) {
      Files.createDirectories(DUMP.getParent());
      Files.writeString(DUMP, actual, StandardCharsets.UTF_8);
    }
    String expected = Files.exists(DUMP) ? Files.readString(DUMP, StandardCharsets.UTF_8) : "";
    assertEquals(expected, actual, "The public API changed; review it, then regenerate " + DUMP
        + " with -Dkplcodec.updateApi=true");
  }

  private static String dump() throws IOException, URISyntaxException, ClassNotFoundException {
    Path classes = classesDirectory();
    List<String> names;
    try (Stream<Path> files = Files.list(classes.resolve("io/kplcodec/flink"))) {
      names = files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".class") && !n.equals("package-info.class"))
          .map(n -> "io.kplcodec.flink." + n.substring(0, n.length() - ".class".length()).replace('$', '.'))
          .sorted()
          .collect(Collectors.toList());
    }
    StringBuilder out = new StringBuilder();
    for (String name : names) {
      Class<?> type = Class.forName(binaryName(name));
      if (!isPublicApi(type)) {
        continue;
      }
      out.append(Modifier.toString(type.getModifiers() & ~Modifier.STATIC & ~Modifier.INTERFACE))
          .append(type.isInterface() ? " interface " : type.isEnum() ? " enum " : " class ")
          .append(type.getName().replace('$', '.'));
      if (type.getSuperclass() != null && type.getSuperclass() != Object.class && !type.isEnum()) {
        out.append(" extends ").append(type.getSuperclass().getName());
      }
      out.append('\n');
      TreeSet<String> members = new TreeSet<>();
      for (Constructor<?> c : type.getDeclaredConstructors()) {
        if (Modifier.isPublic(c.getModifiers())) {
          members.add("  " + Modifier.toString(c.getModifiers()) + " <init>(" + params(c.getGenericParameterTypes()) + ")");
        }
      }
      for (Method m : type.getDeclaredMethods()) {
        if (Modifier.isPublic(m.getModifiers()) && !m.isSynthetic()) {
          members.add("  " + Modifier.toString(m.getModifiers() & ~Modifier.TRANSIENT & ~Modifier.SYNCHRONIZED) + " "
              + m.getGenericReturnType().getTypeName() + " " + m.getName() + "("
              + params(m.getGenericParameterTypes()) + ")");
        }
      }
      for (Field f : type.getDeclaredFields()) {
        if (Modifier.isPublic(f.getModifiers()) && !f.isSynthetic()) {
          members.add("  " + Modifier.toString(f.getModifiers()) + " " + f.getGenericType().getTypeName() + " "
              + f.getName());
        }
      }
      members.forEach(m -> out.append(m).append('\n'));
    }
    return out.toString();
  }

  private static Path classesDirectory() throws URISyntaxException {
    return Path.of(AggregatingKinesisSink.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  private static String binaryName(String dotted) {
    String[] parts = dotted.substring("io.kplcodec.flink.".length()).split("\\.");
    return "io.kplcodec.flink." + String.join("$", parts);
  }

  private static boolean isPublicApi(Class<?> type) {
    for (Class<?> t = type; t != null; t = t.getDeclaringClass()) {
      if (!Modifier.isPublic(t.getModifiers()) || t.isAnonymousClass()) {
        return false;
      }
    }
    return true;
  }

  private static String params(java.lang.reflect.Type[] types) {
    List<String> names = new ArrayList<>();
    Arrays.stream(types).forEach(t -> names.add(t.getTypeName()));
    return String.join(", ", names);
  }
}
