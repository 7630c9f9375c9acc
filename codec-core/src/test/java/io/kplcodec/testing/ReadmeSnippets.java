package io.kplcodec.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The code a README shows, kept compiling and running: a test marks each snippet in its own source between {@code //
 * README:<name> start} and {@code // README:<name> end}, runs it, and checks with {@link #assertShown} that the README
 * shows it verbatim (dedented). Every module's {@code ReadmeExamplesTest} uses it; other modules get this class from
 * kpl-codec-core's test jar. Stateless.
 */
public final class ReadmeSnippets {
  private static final Pattern MARKER =
      Pattern.compile("// README:([\\w-]+) start\n(.*?)\n\\s*// README:\\1 end", Pattern.DOTALL);

  private ReadmeSnippets() {}

  /**
   * The snippets of these source files, or of every file directly in a directory given (sorted by name), by name, in
   * the order they appear, each dedented by its least indented line.
   */
  public static Map<String, String> in(Path... sources) throws IOException {
    Map<String, String> snippets = new LinkedHashMap<>();
    for (Path source : sources) {
      List<Path> files = new ArrayList<>();
      if (Files.isDirectory(source)) {
        try (Stream<Path> list = Files.list(source)) {
          list.filter(Files::isRegularFile).sorted().forEach(files::add);
        }
      } else {
        files.add(source);
      }
      for (Path file : files) {
        Matcher snippet = MARKER.matcher(Files.readString(file));
        while (snippet.find()) {
          snippets.put(snippet.group(1), dedent(snippet.group(2)));
        }
      }
    }
    return snippets;
  }

  /**
   * Asserts that the README shows each snippet verbatim, inside a {@code ```java} fence if {@code fenced}.
   *
   * @return the snippets' names, in order
   */
  public static List<String> assertShown(Path readme, Map<String, String> snippets, boolean fenced)
      throws IOException {
    String text = Files.readString(readme);
    for (Map.Entry<String, String> snippet : snippets.entrySet()) {
      String code = fenced ? "```java\n" + snippet.getValue() + "\n```" : snippet.getValue();
      assertTrue(text.contains(code), readme + " lacks the '" + snippet.getKey() + "' snippet:\n" + snippet.getValue());
    }
    return List.copyOf(snippets.keySet());
  }

  private static String dedent(String code) {
    int indent = Integer.MAX_VALUE;
    for (String line : code.split("\n")) {
      if (!line.isBlank()) {
        indent = Math.min(indent, line.length() - line.stripLeading().length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String line : code.split("\n", -1)) {
      out.append(line.isBlank() ? "" : line.substring(indent)).append('\n');
    }
    return out.substring(0, out.length() - 1);
  }
}
