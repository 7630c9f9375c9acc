package io.kplcodec.local;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.model.Record;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;

/**
 * A real Kinesis API on this machine: kinesalite (or dynalite, a DynamoDB API, for a KCL worker's leases) from npm,
 * run by Node.js on 127.0.0.1 on a free port, for tests and the {@code kplc} demo. No Docker, no AWS account.
 *
 * <p>The first {@link #start} installs both packages with {@code npm ci} from the lock file in this jar into
 * {@link #installDirectory()} (the system property {@code kplcodec.local.home}, else
 * {@code ~/.cache/kpl-codec/local-kinesis-<lock hash>}), once per lock file, under a file lock so that concurrent
 * processes install it once. kinesalite is started with {@code node -e} bound to 127.0.0.1 (its own CLI binds every
 * interface). {@link #close()} stops the process.
 *
 * <p>kinesalite speaks JSON only: every SDK v2 client talking to it needs CBOR off (the system property
 * {@code aws.cborEnabled=false}, which loading this class sets) and, over plain HTTP, HTTP/1.1 ({@link #client()}
 * does both).
 *
 * <p>Thread-safety: an instance may be used from several threads; {@link #stop()}, {@link #startAgain()} and
 * {@link #restart()} are meant for one controlling thread (a test's).
 */
public final class LocalKinesis implements AutoCloseable {
  static {
    System.setProperty("aws.cborEnabled", "false");
  }

  private static final String KINESALITE = "kinesalite";
  private static final String DYNALITE = "dynalite";
  /** What the started process prints once it listens. */
  private static final String READY = "local-kinesis listening";
  /** Written after a successful install; holds the installed lock file. */
  private static final String STAMP = "node_modules/.kpl-codec-installed-lock";
  /** The npm lock file in this jar, and the start of its SHA-256, which names the default install directory. */
  private static final byte[] LOCK = resource("package-lock.json");
  private static final String LOCK_HASH = HexFormat.of().formatHex(sha256(LOCK)).substring(0, 12);

  private final Path dataDir;
  private final int port;
  private final String module;
  private Process process;

  private LocalKinesis(Path dataDir, int port, String module) {
    this.dataDir = dataDir;
    this.port = port;
    this.module = module;
  }

  /**
   * Why a local Kinesis cannot run here (Node.js or npm missing from the PATH, or the system property
   * {@code kinesalite.skip} set to true, which builds use to skip such tests), or empty if it can. Callers that can do
   * without one (tests, the demo) check this first and say so instead of failing.
   *
   * @return the reason, or empty if {@code node} and {@code npm} are executables in a directory of the PATH and
   *     {@code kinesalite.skip} is not true
   */
  public static Optional<String> unavailableReason() {
    if (Boolean.getBoolean("kinesalite.skip")) {
      return Optional.of("-Dkinesalite.skip=true");
    }
    if (!onPath("node") || !onPath("npm")) {
      return Optional.of("Node.js and npm are needed on the PATH to install and run kinesalite (a Kinesis API "
          + "implementation from npm); install Node 18 or newer");
    }
    return Optional.empty();
  }

  /**
   * Where the npm packages are (or will be) installed.
   *
   * @return the system property {@code kplcodec.local.home} made absolute, if set and not empty, else
   *     {@code <user.home>/.cache/kpl-codec/local-kinesis-<the first 12 hex digits of the lock file's SHA-256>}; not
   *     created here
   */
  public static Path installDirectory() {
    String home = System.getProperty("kplcodec.local.home");
    if (home != null && !home.isEmpty()) {
      return Paths.get(home).toAbsolutePath();
    }
    return Paths.get(System.getProperty("user.home"), ".cache", "kpl-codec", "local-kinesis-" + LOCK_HASH);
  }

  /**
   * Whether {@link #start} will find the packages installed (if not, it runs {@code npm ci} first, about 10-60 s).
   *
   * @return true if {@link #installDirectory()} holds kinesalite and dynalite installed from this jar's lock file;
   *     false otherwise, or if it cannot be read
   */
  public static boolean installed() {
    Path dir = installDirectory();
    try {
      return Files.exists(dir.resolve(STAMP))
          && Arrays.equals(Files.readAllBytes(dir.resolve(STAMP)), LOCK)
          && Files.isDirectory(dir.resolve("node_modules/" + KINESALITE))
          && Files.isDirectory(dir.resolve("node_modules/" + DYNALITE));
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Starts kinesalite with its data in memory: {@link #start(Path) start(null)}.
   *
   * @return the running server; the caller closes it
   * @throws IllegalStateException as {@link #start(Path)} says
   * @throws IOException if the install directory cannot be written or a process cannot be started
   * @throws InterruptedException if interrupted while waiting for the install or for kinesalite to listen
   */
  public static LocalKinesis start() throws IOException, InterruptedException {
    return start(null);
  }

  /**
   * Starts kinesalite; with a {@code dataDir} its data lives there (LevelDB) and so survives {@link #restart()},
   * else in memory.
   *
   * @param dataDir the directory for kinesalite's data, or null to keep it in memory
   * @return the running server, on a free port of 127.0.0.1; the caller closes it
   * @throws IllegalStateException if Node.js or npm is missing or {@code kinesalite.skip} is true (the message is
   *     {@link #unavailableReason()}'s), {@code npm ci} fails (the message has its output), or kinesalite exits or
   *     does not say it listens within 30 s (the message has its output)
   * @throws IOException if the install directory cannot be written or a process cannot be started
   * @throws InterruptedException if interrupted while waiting for the install or for kinesalite to listen
   */
  public static LocalKinesis start(Path dataDir) throws IOException, InterruptedException {
    return start(dataDir, KINESALITE);
  }

  /**
   * Starts dynalite (a DynamoDB API), in memory, for a KCL worker's lease, checkpoint and worker tables. Tables are
   * created, updated and deleted at once.
   *
   * @return the running server, on a free port of 127.0.0.1; the caller closes it (its {@link #client()} is of no use:
   *     give {@link #endpoint()} to a DynamoDB client)
   * @throws IllegalStateException as {@link #start(Path)} says, for dynalite
   * @throws IOException if the install directory cannot be written or a process cannot be started
   * @throws InterruptedException if interrupted while waiting for the install or for dynalite to listen
   */
  public static LocalKinesis startDynalite() throws IOException, InterruptedException {
    return start(null, DYNALITE);
  }

  private static LocalKinesis start(Path dataDir, String module) throws IOException, InterruptedException {
    unavailableReason().ifPresent(reason -> {
      throw new IllegalStateException(reason);
    });
    install();
    LocalKinesis server = new LocalKinesis(dataDir, freePort(), module);
    server.startProcess();
    return server;
  }

  /**
   * The endpoint to give an SDK client: {@code http://127.0.0.1:<port>}.
   *
   * @return {@code http://127.0.0.1:} and {@link #port()}
   */
  public URI endpoint() {
    return URI.create("http://127.0.0.1:" + port);
  }

  /**
   * The port it listens on, on 127.0.0.1; it stays the same across {@link #restart()}.
   *
   * @return the port, chosen free when the server was started
   */
  public int port() {
    return port;
  }

  /**
   * A new client for this server (plain HTTP/1.1, CBOR off, fixed test credentials); the caller closes it.
   *
   * @return a Kinesis client on {@link #endpoint()}, region us-east-1, at most 16 connections, a 2 s connection
   *     timeout
   */
  public KinesisAsyncClient client() {
    return KinesisAsyncClient.builder()
        .endpointOverride(endpoint())
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClientBuilder(NettyNioAsyncHttpClient.builder()
            .protocol(Protocol.HTTP1_1)
            .maxConcurrency(16)
            .connectionTimeout(Duration.ofSeconds(2)))
        .build();
  }

  /**
   * Stops the process, as a crash would; {@link #startAgain()} brings it back on the same port and data. It is asked
   * to end, and killed if it has not after 10 s; does nothing if it is not running.
   *
   * @throws InterruptedException if interrupted while waiting for the process to end (it is then still counted as
   *     running)
   */
  public void stop() throws InterruptedException {
    if (process != null) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      process = null;
    }
  }

  /**
   * Starts the process again after {@link #stop()}, on the same port and data directory.
   *
   * @throws IllegalStateException if it exits or does not say it listens within 30 s (for one, if the port has been
   *     taken meanwhile); the message has its output
   * @throws IOException if the process cannot be started
   * @throws InterruptedException if interrupted while waiting for it to listen
   */
  public void startAgain() throws IOException, InterruptedException {
    startProcess();
  }

  /**
   * {@link #stop()} then {@link #startAgain()}.
   *
   * @throws IllegalStateException as {@link #startAgain()} says
   * @throws IOException if the process cannot be started
   * @throws InterruptedException if interrupted while waiting for the process to end or to listen
   */
  public void restart() throws IOException, InterruptedException {
    stop();
    startProcess();
  }

  /**
   * Stops the process, as {@link #stop()}; if interrupted while waiting for it to end, returns at once with the
   * thread's interrupt status set.
   */
  @Override
  public void close() {
    try {
      stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Creates a stream, waits until it is ACTIVE and returns its shards.
   *
   * @param client a client of a kinesalite server, such as {@link #client()}
   * @param name the new stream's name
   * @param shards its number of shards
   * @return its shards, as {@link #listShards} returns them
   * @throws Exception an {@link java.util.concurrent.ExecutionException} if a call fails (for one, if the stream
   *     exists), a {@link TimeoutException} if one takes more than 10 s, an {@link IllegalStateException} if the
   *     stream is not ACTIVE after 20 s, an {@link InterruptedException} if interrupted
   */
  public static List<Shard> createStream(KinesisAsyncClient client, String name, int shards) throws Exception {
    client.createStream(b -> b.streamName(name).shardCount(shards)).get(10, TimeUnit.SECONDS);
    awaitActive(client, name);
    return listShards(client, name);
  }

  /**
   * Waits up to 20 s for the stream to be ACTIVE (after a create, split or merge), asking every 20 ms.
   *
   * @param client a client of a kinesalite server, such as {@link #client()}
   * @param name the stream's name
   * @throws Exception an {@link IllegalStateException} if it is not ACTIVE after 20 s, an
   *     {@link java.util.concurrent.ExecutionException} if a call fails (for one, if there is no such stream), a
   *     {@link TimeoutException} if one takes more than 10 s, an {@link InterruptedException} if interrupted
   */
  public static void awaitActive(KinesisAsyncClient client, String name) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (client.describeStreamSummary(b -> b.streamName(name)).get(10, TimeUnit.SECONDS)
        .streamDescriptionSummary().streamStatus() != StreamStatus.ACTIVE) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Stream " + name + " not ACTIVE after 20 s");
      }
      Thread.sleep(20);
    }
  }

  /**
   * Every shard of the stream, closed ones included.
   *
   * @param client a client of a kinesalite server, such as {@link #client()}
   * @param name the stream's name
   * @return the shards one ListShards call returns (it does not follow a {@code NextToken})
   * @throws Exception an {@link java.util.concurrent.ExecutionException} if the call fails (for one, if there is no
   *     such stream), a {@link TimeoutException} if it takes more than 10 s, an {@link InterruptedException} if
   *     interrupted
   */
  public static List<Shard> listShards(KinesisAsyncClient client, String name) throws Exception {
    return client.listShards(b -> b.streamName(name)).get(10, TimeUnit.SECONDS).shards();
  }

  /**
   * Every Kinesis record of a shard, in order, read with GetRecords from the trim horizon until a read returns
   * nothing (for an open shard: when production is over).
   *
   * @param client a client of a kinesalite server, such as {@link #client()}
   * @param stream the stream's name
   * @param shardId the shard's id
   * @return a new list of the shard's records, in sequence number order
   * @throws Exception an {@link java.util.concurrent.ExecutionException} if a call fails (for one, if there is no
   *     such stream or shard), a {@link TimeoutException} if GetShardIterator takes more than 10 s or a GetRecords
   *     call (of at most 10,000 records) more than 30 s, an {@link InterruptedException} if interrupted
   */
  public static List<Record> readShard(KinesisAsyncClient client, String stream, String shardId) throws Exception {
    String iterator = client.getShardIterator(b -> b.streamName(stream).shardId(shardId)
        .shardIteratorType("TRIM_HORIZON")).get(10, TimeUnit.SECONDS).shardIterator();
    List<Record> records = new ArrayList<>();
    while (iterator != null) {
      String current = iterator;
      var response = client.getRecords(b -> b.shardIterator(current).limit(10_000)).get(30, TimeUnit.SECONDS);
      records.addAll(response.records());
      if (response.records().isEmpty()) {
        break;
      }
      iterator = response.nextShardIterator();
    }
    return records;
  }

  private void startProcess() throws IOException, InterruptedException {
    String options = module.equals(DYNALITE)
        ? "{createTableMs: 0, deleteTableMs: 0, updateTableMs: 0}"
        : "{createStreamMs: 20, deleteStreamMs: 20, updateStreamMs: 200, shardLimit: 100"
            + (dataDir == null ? "" : ", path: " + jsString(dataDir.toString())) + "}";
    // The process also ends when its stdin does: if this JVM dies (even by SIGKILL), no orphan keeps the port.
    String script = "process.stdin.on('end', function () { process.exit(0) }); process.stdin.resume(); "
        + "require('" + module + "')(" + options + ").listen(" + port + ", '127.0.0.1', function (err) {"
        + " if (err) { console.error(err); process.exit(1) } console.log('" + READY + "') })";
    Process started = new ProcessBuilder("node", "-e", script)
        .directory(installDirectory().toFile())
        .redirectErrorStream(true)
        .start();
    CompletableFuture<Boolean> ready = new CompletableFuture<>();
    List<String> output = new ArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(
          new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = lines.readLine()) != null; ) {
          synchronized (output) {
            output.add(line);
          }
          if (line.contains(READY)) {
            ready.complete(true);
          }
        }
      } catch (IOException e) {
        // the process is gone
      }
      ready.complete(false);
    }, module + "-output-" + port);
    reader.setDaemon(true);
    reader.start();
    boolean listening;
    try {
      listening = ready.get(30, TimeUnit.SECONDS);
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      listening = false;
    }
    if (!listening) {
      started.destroyForcibly();
      synchronized (output) {
        throw new IllegalStateException(module + " did not start on 127.0.0.1:" + port + ": " + output);
      }
    }
    process = started;
  }

  /** {@code npm ci} from the lock file in this jar, unless the same lock file is installed already. */
  @SuppressWarnings("try") // held is the file lock, held for the block and released by it
  private static synchronized void install() throws IOException, InterruptedException {
    Path dir = installDirectory();
    Files.createDirectories(dir);
    try (FileChannel lockFile = FileChannel.open(dir.resolve(".install.lock"),
        StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held = lockFile.lock()) {
      if (installed()) {
        return;
      }
      Files.write(dir.resolve("package.json"), resource("package.json"));
      Files.write(dir.resolve("package-lock.json"), LOCK);
      // --ignore-scripts: the only install script is leveldown's, which picks a bundled prebuilt binary at runtime.
      Process npm = new ProcessBuilder("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
          .directory(dir.toFile())
          .redirectErrorStream(true)
          .start();
      String output = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!npm.waitFor(300, TimeUnit.SECONDS) || npm.exitValue() != 0) {
        throw new IllegalStateException("npm ci for kinesalite failed in " + dir + ":\n" + output);
      }
      Files.write(dir.resolve(STAMP), LOCK);
    }
  }

  private static byte[] resource(String name) {
    try (InputStream in = LocalKinesis.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource io/kplcodec/local/" + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean onPath(String command) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Paths.get(dir, command))) {
        return true;
      }
    }
    return false;
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
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
