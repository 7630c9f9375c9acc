package io.kplcodec.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kplc demo}, the README's main command: against kinesalite, in memory, and without Node.js. */
class DemoIT {
  private static final String ALL_BACK =
      "lost 0, dropped 0, duplicates 0: every user record read back exactly once, with its partition key and data";

  @Test
  void demoAgainstKinesaliteGetsEveryUserRecordBackThroughASplit() throws Exception {
    KplcJar.skipUnlessKinesaliteAvailable();
    long started = System.nanoTime();
    KplcJar.Result result = KplcJar.run("demo").assertSuccess();
    double seconds = (System.nanoTime() - started) / 1e9;
    System.out.println("kplc demo (" + String.format("%.1f", seconds) + " s):\n" + result.stdout());
    String out = result.stdout();
    assertTrue(out.contains("kplc demo: 100,000 user records through kinesalite on http://127.0.0.1:"), out);
    assertTrue(out.contains("shardId-000000000000 split in two at user record 50,000 while producing: 6 shards read"),
        out);
    assertTrue(out.contains(ALL_BACK), out);
    assertTrue(out.matches("(?s).*\\n  user records +100,000 +100,000\\n.*"), out);
    assertTrue(out.matches("(?s).*\\n  PutRecords calls +\\d+ +200\\n.*"), out);
    int kinesisRecords = number(out, "\\n  Kinesis records +([\\d,]+) +100,000\\n");
    int calls = number(out, "\\n  PutRecords calls +([\\d,]+) +200\\n");
    // Aggregated: about 180 user records per Kinesis record (64 KiB aggregates), and calls a third of the 200 the
    // same user records take unaggregated; the producer's rate limit paces each shard's calls (100 ms ticks).
    assertTrue(kinesisRecords < 1000 && calls < 100, "aggregation: " + kinesisRecords + " records, " + calls
        + " calls");
    String err = result.stderr();
    assertTrue(err.contains("kplc demo: splitting shardId-000000000000"), err);
    assertTrue(err.contains("of 100,000 added"), "progress on stderr: " + err);
    assertTrue(seconds < 60, "took " + seconds + " s");
  }

  @Test
  void demoInMemory() throws Exception {
    KplcJar.Result result = KplcJar.run("demo", "--in-memory").assertSuccess();
    String out = result.stdout();
    assertTrue(out.contains("kplc demo: 100,000 user records in memory (--in-memory), 4 shards"), out);
    assertTrue(out.contains(ALL_BACK), out);
    assertTrue(out.matches("(?s).*\\n  PutRecords calls +\\d+ +200\\n.*"), out);
  }

  @Test
  void withoutNodeTheDemoSaysSoAndRunsInMemory(@TempDir Path emptyPath) throws Exception {
    // A PATH with neither node nor npm: what a machine without Node.js looks like to LocalKinesis.
    KplcJar.Result result = KplcJar.run(null, Map.of("PATH", emptyPath.toString()), "demo", "--records", "20000")
        .assertSuccess();
    assertTrue(result.stderr().contains("kplc demo: no local Kinesis: Node.js and npm are needed"), result.stderr());
    assertTrue(result.stderr().contains("running the codec part in memory instead"), result.stderr());
    assertTrue(result.stdout().contains("kplc demo: 20,000 user records in memory (no Node.js: "), result.stdout());
    assertTrue(result.stdout().contains(ALL_BACK), result.stdout());

    // Commands that need a Kinesis say why in one line.
    Path records = Files.writeString(emptyPath.resolve("r.jsonl"), "{\"partitionKey\":\"k\",\"data\":\"x\"}\n");
    String error = KplcJar.run(null, Map.of("PATH", emptyPath.toString()), "put", "--stream", "s",
        "--data-dir", emptyPath.resolve("data").toString(), records.toString()).assertOneLineError(1);
    assertTrue(error.startsWith("kplc put: no local Kinesis: Node.js and npm are needed"), error);
  }

  private static int number(String text, String regex) {
    Matcher matcher = Pattern.compile(regex).matcher(text);
    assertTrue(matcher.find(), regex + " in " + text);
    return Integer.parseInt(matcher.group(1).replace(",", ""));
  }
}
