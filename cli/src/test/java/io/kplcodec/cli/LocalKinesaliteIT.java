package io.kplcodec.cli;

import static io.kplcodec.cli.KplcJar.fixture;
import static io.kplcodec.cli.KplcJar.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kplc put}, {@code tail} and {@code local} without --endpoint: kplc's own local kinesalite, its streams kept
 * in --data-dir, shared by the kplc processes that use the directory at the same time.
 */
class LocalKinesaliteIT {
  @BeforeAll
  static void skipWithoutNode() {
    KplcJar.skipUnlessKinesaliteAvailable();
  }

  @Test
  void localKinesaliteIsSharedAndKeepsStreamsBetweenRuns(@TempDir Path directory) throws Exception {
    Path data = directory.resolve("data");
    // No kplc running on the directory: put starts one for its run, tail another; the stream persists.
    KplcJar.Result put = run("put", "--data-dir", data.toString(), "--stream", "kept",
        fixture("user-records.jsonl").toString()).assertSuccess();
    assertTrue(put.stderr().contains("local kinesalite on http://127.0.0.1:"), put.stderr());
    assertTrue(put.stderr().contains("creating stream kept with 4 shards"), put.stderr());
    KplcJar.Result tail = run("tail", "--data-dir", data.toString(), "--stream", "kept", "--no-follow").assertSuccess();
    assertEquals(1 + 14, tail.stdoutLines().size(), tail.stdout()); // the table's header, 14 user records

    // kplc local runs one; put and tail without --endpoint use it.
    Path out = directory.resolve("local.out");
    Path err = directory.resolve("local.err");
    Process local = KplcJar.start(out, err, "local", "--data-dir", data.toString());
    try {
      KplcJar.awaitContent(out, "http://127.0.0.1:", local);
      String url = Files.readString(out).strip();
      // What a client needs, printed on start: Java SDK v2 needs HTTP/1.1 as well as CBOR off.
      KplcJar.awaitContent(err, "aws_secret_access_key", local);
      String settings = Files.readString(err);
      assertTrue(settings.contains("-Daws.cborEnabled=false") && settings.contains(".protocol(Protocol.HTTP1_1)")
          && settings.contains("endpointOverride(URI.create(\"" + url + "\"))")
          && settings.contains("aws --endpoint-url " + url + " kinesis list-streams")
          && settings.contains("boto3.client(\"kinesis\", endpoint_url=\"" + url + "\""), settings);
      // AWS_ENDPOINT_URL is the endpoint when --endpoint is not given, as for the AWS CLI.
      assertEquals(1 + 14, KplcJar.run(null, Map.of("AWS_ENDPOINT_URL", url), "tail", "--stream", "kept",
          "--no-follow").assertSuccess().stdoutLines().size());
      KplcJar.Result shared = run("put", "--data-dir", data.toString(), "--stream", "kept",
          fixture("user-records.jsonl").toString()).assertSuccess();
      assertTrue(shared.stderr().contains("using the local kinesalite another kplc runs on " + url), shared.stderr());
      assertEquals(1 + 28, run("tail", "--endpoint", url, "--stream", "kept", "--no-follow").assertSuccess()
          .stdoutLines().size());
      String error = run("local", "--data-dir", data.toString()).assertOneLineError(1);
      assertTrue(error.contains("is already running") && error.contains(url), error);
    } finally {
      local.destroy(); // SIGTERM, as Ctrl-C: kplc stops its kinesalite
      assertTrue(local.waitFor(30, TimeUnit.SECONDS));
    }
    assertFalse(Files.exists(directory.resolve("data.endpoint")), "the address file goes with the kinesalite");
  }
}
