package io.kplcodec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Progress on stderr for long work, on a terminal only (issue 20, item 6). A real pseudo-terminal comes from
 * util-linux {@code script}; records arrive on a slow pipe so the work lasts past the one-second delay.
 */
class ProgressIT {
  @Test
  void aTerminalShowsProgressAPipeNeverAndQuietTurnsItOff(@TempDir Path directory) throws Exception {
    assumeTrue(Files.isExecutable(Paths.get("/usr/bin/script")), "util-linux script is needed for a terminal");
    String line = Base64.getEncoder().encodeToString(Files.readAllBytes(KplcJar.fixture("aggregated.bin")));
    Path slow = Files.writeString(directory.resolve("slow.sh"), "for i in 1 2 3 4; do echo " + line
        + "; sleep 0.6; done\n");
    String kplc = String.join(" ", KplcJar.command("inspect")).replace(" inspect", "");
    String onTerminal = terminal(directory, "sh " + slow + " | " + kplc + " inspect > /dev/null");
    assertTrue(onTerminal.matches("(?s).*\\r\\u001b\\[Kkplc inspect: [1-4] Kinesis records?, \\d+ B, .* MB/s, "
        + "\\d+ s.*"), onTerminal);
    assertTrue(onTerminal.endsWith("\r\u001b[K"), "the line is cleared at the end: " + onTerminal);

    assertEquals("", terminal(directory, "sh " + slow + " | " + kplc + " inspect --quiet > /dev/null"));
    assertEquals("", terminal(directory, "sh " + slow + " | " + kplc + " inspect -q 2>&1 > /dev/null | cat"),
        "stderr on a pipe: no progress");
    assertFalse(terminal(directory, "sh " + slow + " | " + kplc + " inspect 2>/dev/null").contains("\u001b[K"),
        "stdout on the terminal gets no progress escapes");
  }

  /** What {@code command} writes to a pseudo-terminal. */
  private static String terminal(Path directory, String command) throws Exception {
    Path out = directory.resolve("terminal.out");
    Process process = new ProcessBuilder("/usr/bin/script", "-qfec", command, "/dev/null")
        .redirectInput(ProcessBuilder.Redirect.from(Paths.get("/dev/null").toFile()))
        .redirectOutput(out.toFile())
        .redirectErrorStream(true)
        .start();
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), command);
    assertEquals(0, process.exitValue(), () -> command + ": " + StreamingIT.read(out));
    return Files.readString(out, StandardCharsets.UTF_8).replace("\r\n", "\n");
  }
}
