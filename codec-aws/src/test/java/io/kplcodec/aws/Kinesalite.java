package io.kplcodec.aws;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * kinesalite (a real Kinesis API on Node, from npm) on 127.0.0.1 on a free port, for one test class.
 *
 * <p>Installed once per build with {@code npm ci} from the committed lock file ({@code src/test/kinesalite}) into
 * {@code target/kinesalite}; started with {@code node -e} bound to 127.0.0.1 (its CLI binds every interface);
 * stopped by {@link #close()}. Without node/npm, or with {@code -Dkinesalite.skip=true}, the calling test is skipped
 * with a message saying so.
 */
final class Kinesalite implements AutoCloseable {
  static {
    // kinesalite speaks JSON only; surefire sets this too, this covers running from an IDE.
    System.setProperty("aws.cborEnabled", "false");
  }

  private static Path installed;

  private final Path home;
  private final Path dataDir;
  private final int port;
  private final String module;
  private Process process;

  private Kinesalite(Path home, Path dataDir, int port, String module) {
    this.home = home;
    this.dataDir = dataDir;
    this.port = port;
    this.module = module;
  }

  /**
   * Installs (once) and starts kinesalite; {@code dataDir} null keeps the data in memory, else on disk (LevelDB) so
   * it survives a {@link #restart()}. Skips the calling test if Node.js or npm is missing.
   */
  static Kinesalite start(Path dataDir) throws Exception {
    return start(dataDir, "kinesalite");
  }

  /** dynalite (a DynamoDB API implementation from the same lock file), in memory, for a KCL worker's leases. */
  static Kinesalite startDynalite() throws Exception {
    return start(null, "dynalite");
  }

  private static Kinesalite start(Path dataDir, String module) throws Exception {
    if (Boolean.getBoolean("kinesalite.skip")) {
      skip("kinesalite tests skipped: -Dkinesalite.skip=true");
    }
    if (!onPath("node") || !onPath("npm")) {
      skip("kinesalite tests skipped: Node.js and npm are needed on the PATH to install and run kinesalite "
          + "(a Kinesis API implementation from npm); install Node 18+ to run them");
    }
    Kinesalite server = new Kinesalite(install(), dataDir, freePort(), module);
    server.startProcess();
    return server;
  }

  /**
   * Skips the calling test (or test class, from {@code @BeforeAll}), saying why in the build log too: surefire
   * shows a class skipped in {@code @BeforeAll} as "Tests run: 0" without the reason.
   */
  private static void skip(String reason) {
    String caller = StackWalker.getInstance().walk(frames -> frames.map(StackWalker.StackFrame::getClassName)
        .filter(name -> !name.equals(Kinesalite.class.getName())).findFirst().orElse("?"));
    System.err.println("[kpl-codec-aws] SKIPPED " + caller + ": " + reason);
    assumeTrue(false, reason);
  }

  /** A DynamoDB client for this server when it runs dynalite: plain HTTP/1.1, static credentials. */
  software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient dynamoClient() {
    return software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient.builder()
        .endpointOverride(URI.create("http://127.0.0.1:" + port))
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1))
        .build();
  }

  /** A client for this kinesalite: plain HTTP/1.1, static credentials, CBOR off. */
  KinesisAsyncClient client() {
    return KinesisAsyncClient.builder()
        .endpointOverride(URI.create("http://127.0.0.1:" + port))
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClientBuilder(NettyNioAsyncHttpClient.builder()
            .protocol(Protocol.HTTP1_1)
            .maxConcurrency(16)
            .connectionTimeout(Duration.ofSeconds(2)))
        .build();
  }

  int port() {
    return port;
  }

  /** Creates a stream and waits until it is ACTIVE; returns its shards. */
  static List<Shard> createStream(KinesisAsyncClient client, String name, int shards) throws Exception {
    client.createStream(b -> b.streamName(name).shardCount(shards)).get(10, TimeUnit.SECONDS);
    awaitActive(client, name);
    return listShards(client, name);
  }

  static void awaitActive(KinesisAsyncClient client, String name) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (client.describeStreamSummary(b -> b.streamName(name)).get(10, TimeUnit.SECONDS)
        .streamDescriptionSummary().streamStatus() != StreamStatus.ACTIVE) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Stream " + name + " not ACTIVE after 20 s");
      }
      Thread.sleep(20);
    }
  }

  /** Every shard of the stream, closed ones included. */
  static List<Shard> listShards(KinesisAsyncClient client, String name) throws Exception {
    return client.listShards(b -> b.streamName(name)).get(10, TimeUnit.SECONDS).shards();
  }

  /** Every Kinesis record of a shard, in order, read with GetRecords from the trim horizon until it is drained. */
  static List<software.amazon.awssdk.services.kinesis.model.Record> readShard(KinesisAsyncClient client,
      String stream, String shardId) throws Exception {
    String iterator = client.getShardIterator(b -> b.streamName(stream).shardId(shardId)
        .shardIteratorType("TRIM_HORIZON")).get(10, TimeUnit.SECONDS).shardIterator();
    List<software.amazon.awssdk.services.kinesis.model.Record> records = new ArrayList<>();
    while (iterator != null) {
      String current = iterator;
      var response = client.getRecords(b -> b.shardIterator(current).limit(10_000)).get(30, TimeUnit.SECONDS);
      records.addAll(response.records());
      if (response.records().isEmpty()) {
        break; // an open shard at its end (production is over), or a closed one drained
      }
      iterator = response.nextShardIterator();
    }
    return records;
  }

  /** Stops the process, as a crash would, and starts it again on the same port and data directory. */
  void restart() throws Exception {
    stopProcess();
    startProcess();
  }

  void stop() throws Exception {
    stopProcess();
  }

  void startAgain() throws Exception {
    startProcess();
  }

  @Override
  public void close() {
    try {
      stopProcess();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void startProcess() throws Exception {
    String options = module.equals("dynalite")
        ? "{createTableMs: 0, deleteTableMs: 0, updateTableMs: 0}"
        : "{createStreamMs: 20, deleteStreamMs: 20, updateStreamMs: 200, shardLimit: 100"
            + (dataDir == null ? "" : ", path: " + jsString(dataDir.toString())) + "}";
    String script = "require('" + module + "')(" + options + ").listen(" + port + ", '127.0.0.1', function (err) {"
        + " if (err) { console.error(err); process.exit(1) } console.log('kinesalite listening') })";
    ProcessBuilder builder = new ProcessBuilder("node", "-e", script).directory(home.toFile()).redirectErrorStream(true);
    Process started = builder.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<Boolean> ready = new CompletableFuture<>();
    List<String> lines = new ArrayList<>();
    Thread reader = new Thread(() -> {
      try {
        for (String line; (line = out.readLine()) != null; ) {
          synchronized (lines) {
            lines.add(line);
          }
          if (line.contains("kinesalite listening")) {
            ready.complete(true);
          }
        }
      } catch (IOException e) {
        // process gone
      }
      ready.complete(false);
    }, "kinesalite-output-" + port);
    reader.setDaemon(true);
    reader.start();
    boolean listening;
    try {
      listening = ready.get(30, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      listening = false;
    }
    if (!listening) {
      started.destroyForcibly();
      synchronized (lines) {
        throw new IllegalStateException(module + " did not start on 127.0.0.1:" + port + ": " + lines);
      }
    }
    process = started;
  }

  private void stopProcess() throws InterruptedException {
    if (process != null) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      process = null;
    }
  }

  /** npm ci from the committed lock file into target/kinesalite, once per build (skipped if the lock is unchanged). */
  private static synchronized Path install() throws Exception {
    if (installed != null) {
      return installed;
    }
    Path source = Paths.get(System.getProperty("kinesalite.dir", "src/test/kinesalite"));
    Path target = Paths.get("target", "kinesalite").toAbsolutePath();
    Files.createDirectories(target);
    byte[] lock = Files.readAllBytes(source.resolve("package-lock.json"));
    Path stamp = target.resolve("node_modules/.kpl-codec-installed-lock");
    boolean current = Files.exists(stamp) && java.util.Arrays.equals(Files.readAllBytes(stamp), lock)
        && Files.isDirectory(target.resolve("node_modules/kinesalite"))
        && Files.isDirectory(target.resolve("node_modules/dynalite"));
    if (!current) {
      Files.copy(source.resolve("package.json"), target.resolve("package.json"), StandardCopyOption.REPLACE_EXISTING);
      Files.copy(source.resolve("package-lock.json"), target.resolve("package-lock.json"),
          StandardCopyOption.REPLACE_EXISTING);
      // --ignore-scripts: the only install script is leveldown's, which picks a bundled prebuilt binary at runtime.
      Process npm = new ProcessBuilder("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
          .directory(target.toFile())
          .redirectErrorStream(true)
          .start();
      String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!npm.waitFor(300, TimeUnit.SECONDS) || npm.exitValue() != 0) {
        throw new IllegalStateException("npm ci for kinesalite failed in " + target + ":\n" + output);
      }
      Files.write(stamp, lock);
    }
    installed = target;
    return target;
  }

  private static boolean onPath(String command) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Paths.get(dir, command))) {
        return true;
      }
    }
    return false;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String jsString(String value) {
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
  }
}
