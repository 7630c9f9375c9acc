package software.amazon.kinesis.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The module's public API against the real KPL 1.0.7 jar's, as {@code javap -protected} prints them (types, their
 * supertypes, every public and protected member with its generic signature and throws clause): any difference not
 * listed below fails. The real jar is copied to {@code target/real-kpl/} by the build and read as class files, never
 * loaded (its classes have the same names as this module's).
 */
class KplApiConformanceTest {
  private static final String PACKAGE = "software.amazon.kinesis.producer";
  private static final Path REAL_JAR = Path.of("target/real-kpl/amazon-kinesis-producer.jar");
  private static final Path OURS = Path.of("target/classes");

  /** Public types of the KPL left out on purpose, with the reason. */
  private static final Map<String, String> OMITTED_TYPES = Map.of(
      PACKAGE + ".Daemon", "the native daemon's process wrapper: there is no daemon",
      PACKAGE + ".Daemon$MessageHandler", "the daemon's protobuf message callback: no daemon, no protobuf",
      PACKAGE + ".HashedFileCopier", "extracts the native binary to a temporary directory: there is none",
      PACKAGE + ".LogInputStreamReader", "relays the daemon's log lines: no daemon",
      PACKAGE + ".GlueSchemaRegistrySerializerInstance",
      "hands out a Glue serializer (schema-registry-serde): kpl-codec does not encode with a schema",
      PACKAGE + ".protobuf.Messages", "the daemon's protobuf messages (and their nested types): no protobuf",
      PACKAGE + ".protobuf.Config", "the daemon's protobuf configuration: no protobuf");

  /** Members of kept types that differ on purpose: the KPL's line as javap prints it, with the reason. */
  private static final Map<String, String> OMITTED_MEMBERS = Map.of(
      "protected software.amazon.kinesis.producer.Metric(software.amazon.kinesis.producer.protobuf.Messages$Metric);",
      "built from the daemon's protobuf message: no protobuf (a package-private constructor instead)",
      "protected static software.amazon.kinesis.producer.UserRecordResult fromProtobufMessage("
          + "software.amazon.kinesis.producer.protobuf.Messages$PutRecordResult);",
      "built from the daemon's protobuf message: no protobuf",
      "protected static software.amazon.kinesis.producer.Attempt fromProtobufMessage("
          + "software.amazon.kinesis.producer.protobuf.Messages$Attempt);",
      "built from the daemon's protobuf message: no protobuf",
      "protected software.amazon.kinesis.producer.KinesisProducer(java.io.File, java.io.File);",
      "for the KPL's own tests: the paths of the daemon's pipes; there is no daemon",
      "protected software.amazon.kinesis.producer.protobuf.Messages$Message toProtobufMessage();",
      "the configuration as the daemon's protobuf message: no protobuf",
      "protected software.amazon.kinesis.producer.protobuf.Config$Configuration$Builder additionalConfigsToProtobuf("
          + "software.amazon.kinesis.producer.protobuf.Config$Configuration$Builder);",
      "the configuration as the daemon's protobuf message: no protobuf");

  /** Members only this module has, with the reason. */
  private static final Map<String, String> ADDED_MEMBERS = Map.of(
      "public java.lang.String toString();",
      "Attempt, UserRecordResult: a readable description (the KPL's prints Object's)");

  @Test
  void everyPublicTypeAndMemberOfTheKplIsHereWithTheSameSignature() throws IOException {
    assertTrue(Files.isRegularFile(REAL_JAR), "the build copies the real KPL to " + REAL_JAR + " (mvn verify)");
    Map<String, Set<String>> kpl = api(REAL_JAR.toString(), classesInJar(REAL_JAR));
    Map<String, Set<String>> ours = api(OURS.toString(), classesInDirectory(OURS));

    List<String> differences = new ArrayList<>();
    for (Map.Entry<String, Set<String>> type : kpl.entrySet()) {
      String name = type.getKey();
      if (omittedType(name)) {
        continue;
      }
      Set<String> mine = ours.get(name);
      if (mine == null) {
        differences.add("missing type: " + type.getValue().iterator().next());
        continue;
      }
      for (String member : type.getValue()) {
        if (!mine.contains(member) && !OMITTED_MEMBERS.containsKey(member)) {
          differences.add("missing in " + name + ": " + member);
        }
      }
      for (String member : mine) {
        if (!type.getValue().contains(member) && !ADDED_MEMBERS.containsKey(member)) {
          differences.add("extra in " + name + ": " + member);
        }
      }
    }
    for (String name : ours.keySet()) {
      if (!kpl.containsKey(name)) {
        differences.add("type the KPL does not have: " + name);
      }
    }
    assertEquals(List.of(), differences, "differences from the KPL " + System.getProperty("kpl.version", "1.0.7")
        + " not listed as deliberate");
    // The omissions must still name real KPL types, so that the list cannot go stale silently.
    for (String omitted : OMITTED_TYPES.keySet()) {
      assertTrue(kpl.keySet().stream().anyMatch(t -> t.equals(omitted) || t.startsWith(omitted + "$")),
          "listed as omitted but not in the KPL: " + omitted);
    }
    assertTrue(kpl.size() >= 15, "the KPL's public types were read: " + kpl.keySet());
  }

  private static boolean omittedType(String name) {
    return OMITTED_TYPES.keySet().stream().anyMatch(o -> name.equals(o) || name.startsWith(o + "$"));
  }

  /** Public and protected types of the package (and its subpackages), each with its header and members. */
  private static Map<String, Set<String>> api(String classPath, List<String> classes) {
    ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow();
    StringWriter out = new StringWriter();
    List<String> args = new ArrayList<>(List.of("-protected", "-cp", classPath));
    args.addAll(classes);
    int status = javap.run(new PrintWriter(out), new PrintWriter(out), args.toArray(String[]::new));
    assertEquals(0, status, out.toString());
    Map<String, Set<String>> api = new TreeMap<>();
    Set<String> current = null;
    for (String line : out.toString().split("\n")) {
      String text = line.strip();
      if (text.isEmpty() || text.startsWith("Compiled from") || text.equals("}")) {
        continue;
      }
      if (!line.startsWith(" ")) {
        // A type header: "public class a.b.C extends ... {"; non-public types are skipped with their members.
        boolean visible = text.startsWith("public ") || text.startsWith("protected ");
        String name = typeName(text);
        current = visible ? api.computeIfAbsent(name, k -> new TreeSet<>()) : null;
        if (current != null) {
          current.add(text.replace(" {", "").replace("{", "").strip());
        }
      } else if (current != null) {
        current.add(text);
      }
    }
    return api;
  }

  private static String typeName(String header) {
    for (String word : header.split(" ")) {
      if (word.startsWith(PACKAGE)) {
        int generic = word.indexOf('<');
        return generic < 0 ? word : word.substring(0, generic);
      }
    }
    throw new AssertionError("no type name in " + header);
  }

  private static List<String> classesInJar(Path jar) throws IOException {
    List<String> names = new ArrayList<>();
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        String entry = entries.nextElement().getName();
        if (entry.startsWith(PACKAGE.replace('.', '/') + "/") && entry.endsWith(".class")) {
          names.add(entry.substring(0, entry.length() - 6).replace('/', '.'));
        }
      }
    }
    return names;
  }

  private static List<String> classesInDirectory(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files.filter(f -> f.toString().endsWith(".class"))
          .map(f -> root.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", ""))
          .filter(n -> n.startsWith(PACKAGE))
          .sorted()
          .toList();
    }
  }
}
