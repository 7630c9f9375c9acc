package io.kplcodec.local;

import static io.kplcodec.local.testing.KinesaliteAssumptions.assumeKinesaliteAvailable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.Record;

/** The launcher's own contract: a working Kinesis API, data kept across a restart, and no orphan process. */
class LocalKinesisTest {

  @Test
  void putsAndReadsBackAndKeepsDataOnDiskAcrossARestart(@org.junit.jupiter.api.io.TempDir Path dataDir)
      throws Exception {
    assumeKinesaliteAvailable();
    try (LocalKinesis kinesis = LocalKinesis.start(dataDir); KinesisAsyncClient client = kinesis.client()) {
      assertEquals("http://127.0.0.1:" + kinesis.port(), kinesis.endpoint().toString());
      String shard = LocalKinesis.createStream(client, "s", 1).get(0).shardId();
      client.putRecord(b -> b.streamName("s").partitionKey("k")
          .data(SdkBytes.fromString("before restart", StandardCharsets.UTF_8))).get(10, TimeUnit.SECONDS);
      kinesis.restart();
      List<Record> records = LocalKinesis.readShard(client, "s", shard);
      assertEquals(1, records.size());
      assertEquals("before restart", records.get(0).data().asUtf8String());
    }
  }

  @Test
  @org.junit.jupiter.api.Timeout(120)
  void killingTheJvmByForceStopsKinesaliteToo() throws Exception {
    assumeKinesaliteAvailable();
    // A child JVM starts kinesalite and prints its port; SIGKILL gives it no chance to stop the process itself.
    String classPath = System.getProperty("java.class.path");
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classPath, StartAndWait.class.getName())
        .redirectErrorStream(true)
        .start();
    int port;
    try {
      BufferedReader output = new BufferedReader(
          new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line;
      StringBuilder said = new StringBuilder();
      while ((line = output.readLine()) != null && !line.startsWith("port ")) {
        said.append(line).append('\n'); // e.g. the SDK's logging notice
      }
      assertTrue(line != null, "the child ended without starting kinesalite: " + said);
      port = Integer.parseInt(line.substring("port ".length()).trim());
      assertTrue(listening(port), "kinesalite listens while the child runs");
    } finally {
      child.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (listening(port) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertFalse(listening(port), "kinesalite outlived the JVM that started it");
  }

  /** The child of {@link #killingTheJvmByForceStopsKinesaliteToo}. */
  public static final class StartAndWait {
    public static void main(String[] args) throws Exception {
      LocalKinesis kinesis = LocalKinesis.start();
      System.out.println("port " + kinesis.port());
      System.out.flush();
      Thread.sleep(TimeUnit.MINUTES.toMillis(5));
    }
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
