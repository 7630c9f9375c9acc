package io.kplcodec.testing;

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

/**
 * A package's public API as text (one line per public type, then its public constructors, methods and fields,
 * sorted), compared with a dump checked in next to the module, so that every API change is visible in review.
 * Each module's {@code PublicApiTest} calls {@link #assertMatchesCheckedInDump}; other modules get this class from
 * kpl-codec-core's test jar ({@code <type>test-jar</type>}, test scope).
 *
 * <p>Stateless and thread-safe (concurrent updates of the same dump file excepted).
 */
public final class PublicApiDump {
  /** The system property that rewrites the checked-in dump instead of failing. */
  private static final String UPDATE_PROPERTY = "kplcodec.updateApi";

  private PublicApiDump() {}

  /**
   * Asserts that the public API of {@code anchor}'s package equals the dump in {@code file} (a missing file is an
   * empty dump). With {@code -Dkplcodec.updateApi=true}, first writes the current API to {@code file}.
   */
  public static void assertMatchesCheckedInDump(Class<?> anchor, Path file)
      throws IOException, URISyntaxException, ClassNotFoundException {
    String actual = dump(anchor);
    if (Boolean.getBoolean(UPDATE_PROPERTY)) {
      Files.createDirectories(file.getParent());
      Files.writeString(file, actual, StandardCharsets.UTF_8);
    }
    String expected = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    assertEquals(expected, actual, "The public API changed; review it, then regenerate " + file
        + " with -D" + UPDATE_PROPERTY + "=true");
  }

  /**
   * The public API of {@code anchor}'s package (not its subpackages), read from the class files in the directory
   * {@code anchor} was loaded from; types are loaded (and initialized) with {@code anchor}'s class loader.
   */
  public static String dump(Class<?> anchor) throws IOException, URISyntaxException, ClassNotFoundException {
    String packageName = anchor.getPackageName();
    Path classes = classesDirectory(anchor);
    List<String> names;
    try (Stream<Path> files = Files.list(classes.resolve(packageName.replace('.', '/')))) {
      names = files.map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".class") && !n.equals("package-info.class"))
          .map(n -> packageName + "." + n.substring(0, n.length() - ".class".length()).replace('$', '.'))
          .sorted()
          .collect(Collectors.toList());
    }
    StringBuilder out = new StringBuilder();
    for (String name : names) {
      Class<?> type = Class.forName(binaryName(packageName, name), true, anchor.getClassLoader());
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
          members.add("  " + Modifier.toString(c.getModifiers()) + " <init>(" + params(c.getGenericParameterTypes())
              + ")");
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

  /** The directory {@code anchor} was loaded from: its module's {@code target/classes} when run by Maven. */
  public static Path classesDirectory(Class<?> anchor) throws URISyntaxException {
    return Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  /** {@code a.b.Outer.Inner} to {@code a.b.Outer$Inner}. */
  private static String binaryName(String packageName, String dotted) {
    String[] parts = dotted.substring(packageName.length() + 1).split("\\.");
    return packageName + "." + String.join("$", parts);
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
