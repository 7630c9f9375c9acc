package io.kplcodec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ArgumentsTest {
  private static final List<Option> OPTIONS = List.of(
      Option.value("size", "BYTES", ""), Option.value("count", "N", ""), Option.flag("full", ""),
      Option.value("mode", "A|B", ""), Command.HELP, Command.VERBOSE);

  private static Arguments parse(String... args) {
    return Arguments.parse("test", List.of(args), OPTIONS);
  }

  @Test
  void valuesFlagsAndPositionalsInAnyOrder() {
    Arguments arguments = parse("a.bin", "--size", "64KiB", "-", "--full", "--count=1,000", "--", "--not-an-option");
    assertEquals(64 * 1024, arguments.bytes("size", 0, 1, Integer.MAX_VALUE));
    assertEquals(1000, arguments.integer("count", 0, 1, 5000));
    assertTrue(arguments.flag("full"));
    assertEquals(List.of("a.bin", "-", "--not-an-option"), arguments.positionals());
    assertTrue(parse("-h").flag("help"));
    assertTrue(parse("-v").flag("verbose"));
  }

  @Test
  void byteCounts() {
    assertEquals(1024 * 1024, parse("--size", "1MiB").bytes("size", 0, 1, Integer.MAX_VALUE));
    assertEquals(1048576, parse("--size", "1_048_576").bytes("size", 0, 1, Integer.MAX_VALUE));
    assertEquals(7, parse().bytes("size", 7, 1, 10));
    assertEquals("option --size needs a byte count (e.g. 1048576, 64KiB, 1MiB), not '1MB' (see kplc test --help)",
        assertThrows(CliException.class, () -> parse("--size", "1MB").bytes("size", 0, 1, 10)).getMessage());
    assertEquals("option --size must be between 1 and 10, not 11 (see kplc test --help)",
        assertThrows(CliException.class, () -> parse("--size", "11").bytes("size", 0, 1, 10)).getMessage());
    // Overflow is a malformed count, not a wrapped-around small one.
    assertThrows(CliException.class, () -> parse("--size", "9223372036854775807KiB").bytes("size", 0, 1, 10));
  }

  @Test
  void mistakesAreUsageErrors() {
    for (String[] args : new String[][] {{"--nope"}, {"-x"}, {"--full=yes"}, {"--size"}}) {
      CliException error = assertThrows(CliException.class, () -> parse(args));
      assertEquals(CliException.USAGE, error.exitCode(), error.getMessage());
    }
    assertEquals("option --mode must be one of a, b, not 'c' (see kplc test --help)",
        assertThrows(CliException.class, () -> parse("--mode", "c").choice("mode", "a", "a", "b")).getMessage());
    assertEquals("b", parse("--mode", "B").choice("mode", "a", "a", "b"));
  }
}
