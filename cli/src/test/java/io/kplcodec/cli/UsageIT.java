package io.kplcodec.cli;

import static io.kplcodec.cli.KplcJar.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The command line itself: help everywhere, one clear line and exit code 2 for every mistake. */
class UsageIT {
  private static final List<String> COMMANDS =
      List.of("inspect", "aggregate", "deaggregate", "put", "tail", "demo", "local");

  @Test
  void helpOnEveryCommandAndAtTheTop() throws Exception {
    String top = run("--help").assertSuccess().stdout();
    for (String command : COMMANDS) {
      assertTrue(top.contains("\n  " + command + " "), command + " listed in:\n" + top);
      KplcJar.Result help = run(command, "--help").assertSuccess();
      assertTrue(help.stdout().startsWith("Usage: kplc " + command), help.stdout());
      assertTrue(help.stdout().contains("--verbose"), help.stdout());
    }
    assertEquals(run("tail", "--help").stdout(), run("help", "tail").assertSuccess().stdout());
    assertTrue(run("inspect", "-h").assertSuccess().stdout().startsWith("Usage: kplc inspect"));
    assertTrue(run("--version").assertSuccess().stdout().startsWith("kplc 0."));
  }

  @Test
  void noCommandPrintsHelpOnStderrWithExitCodeTwo() throws Exception {
    KplcJar.Result result = run();
    assertEquals(2, result.exitCode());
    assertEquals("", result.stdout());
    assertTrue(result.stderr().contains("Usage: kplc COMMAND"), result.stderr());
  }

  @Test
  void mistakesAreOneLineWithExitCodeTwo() throws Exception {
    assertEquals("kplc: unknown command 'frobnicate' (see kplc --help)", run("frobnicate").assertOneLineError(2));
    assertEquals("kplc inspect: unknown option --bogus (see kplc inspect --help)",
        run("inspect", "--bogus").assertOneLineError(2));
    assertEquals("kplc inspect: option --format must be one of auto, raw, base64, lambda, get-records, not 'xml' "
        + "(see kplc inspect --help)", run("inspect", "--format", "xml").assertOneLineError(2));
    assertEquals("kplc inspect: option --output needs a value (table|json) (see kplc inspect --help)",
        run("inspect", "--output").assertOneLineError(2));
    assertEquals("kplc aggregate: option --max-record-size must be between 1 and 10,485,760, not 11MiB "
        + "(see kplc aggregate --help)", run("aggregate", "--max-record-size", "11MiB").assertOneLineError(2));
    assertEquals("kplc aggregate: option --shards needs an integer, not 'four' (see kplc aggregate --help)",
        run("aggregate", "--shards", "four").assertOneLineError(2));
    assertEquals("kplc aggregate: give --shards or --shard-map, not both (see kplc aggregate --help)",
        run("aggregate", "--shards", "2", "--shard-map", "x.json").assertOneLineError(2));
    assertEquals("kplc put: option --stream is required (see kplc put --help)", run("put").assertOneLineError(2));
    assertEquals("kplc tail: --endpoint must be local, aws or an http(s) URL, not 'ftp://host' "
        + "(see kplc tail --help)", run("tail", "--stream", "s", "--endpoint", "ftp://host").assertOneLineError(2));
    assertEquals("kplc demo: unexpected argument 'now' (see kplc demo --help)", run("demo", "now")
        .assertOneLineError(2));
    assertEquals("kplc inspect: option --full takes no value (see kplc inspect --help)",
        run("inspect", "--full=yes").assertOneLineError(2));
  }
}
