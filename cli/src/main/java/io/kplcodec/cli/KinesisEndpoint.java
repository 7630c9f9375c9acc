package io.kplcodec.cli;

import io.kplcodec.local.LocalKinesis;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClientBuilder;

/**
 * The Kinesis API that {@code put}, {@code tail} and {@code local} talk to ({@code --endpoint}):
 *
 * <ul>
 *   <li>{@code local} (the default): kplc's local kinesalite, its data kept in {@code --data-dir} so streams
 *       persist between runs. The first kplc to need it starts it (installing it from npm on first use) and holds a
 *       lock on the directory while it runs; kplc processes started meanwhile use that one (its address is in a file
 *       next to the directory), so {@code kplc tail} in one terminal sees what {@code kplc put} writes in another.
 *   <li>{@code aws}: the AWS endpoint of the region ({@code --region}, else the SDK's default region chain), with
 *       the SDK's default credentials chain.
 *   <li>a URL: any Kinesis API (LocalStack, kinesalite, a VPC endpoint). On a loopback address fixed test
 *       credentials are used (emulators do not check them) and the region defaults to us-east-1.
 * </ul>
 *
 * <p>Closing stops the local kinesalite this process started (a shutdown hook also does, on Ctrl-C) and closes the
 * client. Not thread-safe: one per command run.
 */
final class KinesisEndpoint implements AutoCloseable {
  static final Option ENDPOINT = Option.value("endpoint", "local|aws|URL",
      "the Kinesis API: kplc's local kinesalite (default, unless AWS_ENDPOINT_URL is set), AWS, or a URL");
  static final Option REGION = Option.value("region", "REGION",
      "AWS region (default: AWS_REGION, else the profile's region)");
  static final Option PROFILE = Option.value("profile", "NAME",
      "the AWS profile for credentials and region (default: AWS_PROFILE, else default)");
  static final Option DATA_DIR = Option.value("data-dir", "DIR",
      "where the local kinesalite keeps its streams (default ~/.cache/kpl-codec/kplc-kinesalite)");

  /**
   * One event loop for every client, on daemon threads and never shut down: a client that owns its event loop shuts
   * it down gracefully on close, which holds every kplc run for two seconds at exit.
   */
  private static final SdkEventLoopGroup EVENT_LOOP = SdkEventLoopGroup.builder()
      .numberOfThreads(2)
      .threadFactory(runnable -> {
        Thread thread = new Thread(runnable, "kplc-netty");
        thread.setDaemon(true);
        return thread;
      })
      .build();

  /** How long to wait for another kplc that holds the data directory to publish its kinesalite's address. */
  private static final long WAIT_FOR_OTHER_SECONDS = 120;

  private final KinesisAsyncClient client;
  private final String description;
  /** The AWS profile --profile named, for messages; null if none. */
  private String profile;
  private final boolean emulator;
  private final boolean localKinesalite;
  private final LocalKinesis local;
  private final FileChannel lockChannel;
  private final Path addressFile;
  private final Thread shutdownHook;

  private KinesisEndpoint(KinesisAsyncClient client, String description, boolean emulator, boolean localKinesalite,
      LocalKinesis local, FileChannel lockChannel, Path addressFile, Thread shutdownHook) {
    this.client = client;
    this.description = description;
    this.emulator = emulator;
    this.localKinesalite = localKinesalite;
    this.local = local;
    this.lockChannel = lockChannel;
    this.addressFile = addressFile;
    this.shutdownHook = shutdownHook;
  }

  /** The options of commands that talk to Kinesis. */
  static List<Option> options() {
    return List.of(ENDPOINT, REGION, PROFILE, DATA_DIR);
  }

  /** Connects as {@code --endpoint} says, starting the local kinesalite if needed. */
  static KinesisEndpoint open(Arguments arguments, Streams streams) throws IOException, InterruptedException {
    String environmentEndpoint = firstNonBlank(System.getenv("AWS_ENDPOINT_URL_KINESIS"),
        System.getenv("AWS_ENDPOINT_URL"));
    String endpoint = arguments.string("endpoint", environmentEndpoint != null ? environmentEndpoint : "local");
    String region = arguments.string("region", null);
    String profile = arguments.string("profile", null);
    if (endpoint.equals("local")) {
      if (region != null || profile != null) {
        throw arguments.usageError("--" + (region != null ? "region" : "profile") + " is for --endpoint aws or a "
            + "URL, not the local kinesalite");
      }
      Path dataDir = Paths.get(arguments.string("data-dir", defaultDataDir().toString())).toAbsolutePath();
      return openLocal(dataDir, streams, true);
    }
    if (arguments.has("data-dir")) {
      throw arguments.usageError("--data-dir is for the local kinesalite, not --endpoint " + endpoint);
    }
    if (endpoint.equals("aws")) {
      KinesisAsyncClientBuilder builder = KinesisAsyncClient.builder()
          .httpClientBuilder(NettyNioAsyncHttpClient.builder()
              .eventLoopGroup(EVENT_LOOP)
              .connectionTimeout(Duration.ofSeconds(5)));
      configure(builder, region, profile);
      KinesisAsyncClient client = build(builder);
      KinesisEndpoint aws = new KinesisEndpoint(client, "AWS " + client.serviceClientConfiguration().region(), false,
          false, null, null, null, null);
      aws.profile = profile;
      return aws;
    }
    URI uri;
    try {
      uri = new URI(endpoint);
    } catch (URISyntaxException e) {
      throw arguments.usageError("--endpoint must be local, aws or a URL, not '" + endpoint + "'");
    }
    if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
      throw arguments.usageError("--endpoint must be local, aws or an http(s) URL, not '" + endpoint + "'");
    }
    boolean loopback = isLoopback(uri.getHost());
    KinesisEndpoint url = new KinesisEndpoint(client(uri, region, profile, loopback), endpoint, loopback, false, null,
        null, null, null);
    url.profile = profile;
    return url;
  }

  /**
   * The local kinesalite with its data in {@code dataDir}: the one another kplc runs, or a new one.
   *
   * @param share whether to use another kplc's kinesalite if one holds the directory ({@code local} itself does not)
   */
  static KinesisEndpoint openLocal(Path dataDir, Streams streams, boolean share)
      throws IOException, InterruptedException {
    Files.createDirectories(dataDir);
    Path lockFile = dataDir.resolveSibling(dataDir.getFileName() + ".lock");
    Path addressFile = dataDir.resolveSibling(dataDir.getFileName() + ".endpoint");
    FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock = channel.tryLock();
    if (lock == null) {
      channel.close();
      if (!share) {
        throw CliException.failed("the local kinesalite with data in " + dataDir + " is already running (started by "
            + "another kplc); use it with --endpoint " + readAddress(addressFile, 0));
      }
      URI uri = URI.create(readAddress(addressFile, WAIT_FOR_OTHER_SECONDS));
      streams.progress("using the local kinesalite another kplc runs on " + uri + " (data in " + dataDir + ")");
      return new KinesisEndpoint(client(uri, null, null, true), "local kinesalite " + uri, true, true, null, null, null,
          null);
    }
    Files.deleteIfExists(addressFile); // left by a kplc that was killed: the lock was free, so it is stale
    LocalKinesis local;
    try {
      local = startLocal(dataDir, streams);
    } catch (RuntimeException | IOException | InterruptedException e) {
      channel.close();
      throw e;
    }
    Thread hook = new Thread(() -> {
      local.close();
      try {
        Files.deleteIfExists(addressFile);
      } catch (IOException e) {
        // the next kplc to take the lock deletes it
      }
    }, "kplc-stop-kinesalite");
    Runtime.getRuntime().addShutdownHook(hook);
    Files.writeString(addressFile, local.endpoint().toString(), StandardCharsets.UTF_8);
    streams.progress("local kinesalite on " + local.endpoint() + " (data in " + dataDir + ")");
    return new KinesisEndpoint(client(local.endpoint(), null, null, true), "local kinesalite " + local.endpoint(),
        true,
        true, local, channel, addressFile, hook);
  }

  /** Starts a kinesalite (in memory if {@code dataDir} is null), saying so when it has to install it first. */
  static LocalKinesis startLocal(Path dataDir, Streams streams) throws IOException, InterruptedException {
    String unavailable = LocalKinesis.unavailableReason().orElse(null);
    if (unavailable != null) {
      throw CliException.failed("no local Kinesis: " + unavailable + "; or give --endpoint");
    }
    if (!LocalKinesis.installed()) {
      streams.progress("installing kinesalite (a Kinesis API implementation) from npm into "
          + LocalKinesis.installDirectory() + "; first use only, up to a minute...");
    }
    try {
      return LocalKinesis.start(dataDir);
    } catch (IllegalStateException e) {
      throw CliException.failed("cannot start kinesalite: " + e.getMessage(), e);
    }
  }

  static Path defaultDataDir() {
    return Paths.get(System.getProperty("user.home"), ".cache", "kpl-codec", "kplc-kinesalite");
  }

  /** The client; closed with this endpoint. */
  KinesisAsyncClient client() {
    return client;
  }

  /** What it is, for messages: {@code local kinesalite http://127.0.0.1:4567}, {@code AWS us-east-1}, a URL. */
  String description() {
    return description;
  }

  /** Whether it is a local emulator (kinesalite refuses HTTP bodies over about 7 MiB). */
  boolean isEmulator() {
    return emulator;
  }

  /** Whether it is kplc's local kinesalite (where {@code put} creates a missing stream without being asked). */
  boolean isLocalKinesalite() {
    return localKinesalite;
  }

  @Override
  public void close() {
    client.close();
    if (local != null) {
      local.close();
      try {
        Runtime.getRuntime().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException e) {
        // already shutting down: the hook runs anyway
      }
      try {
        Files.deleteIfExists(addressFile);
        lockChannel.close(); // releases the lock
      } catch (IOException e) {
        // the lock goes with the process anyway
      }
    }
  }

  /**
   * A client for {@code uri}; on a loopback address with test credentials and, unless {@code region} says otherwise,
   * us-east-1. The caller closes it.
   */
  static KinesisAsyncClient client(URI uri, String region, String profile, boolean loopback) {
    KinesisAsyncClientBuilder builder = KinesisAsyncClient.builder()
        .endpointOverride(uri)
        .httpClientBuilder(NettyNioAsyncHttpClient.builder()
            .eventLoopGroup(EVENT_LOOP)
            // Plain-HTTP emulators speak HTTP/1.1 only; every call kplc makes works over it.
            .protocol("http".equals(uri.getScheme()) ? Protocol.HTTP1_1 : Protocol.HTTP2)
            .connectionTimeout(Duration.ofSeconds(5)));
    if (loopback && profile == null) {
      builder.region(Region.of(region != null ? region : "us-east-1"));
      builder.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")));
    } else {
      configure(builder, region, profile);
    }
    return build(builder);
  }

  /** Region and credentials as the AWS CLI finds them: --region, --profile, else AWS_REGION, AWS_PROFILE, ~/.aws. */
  private static void configure(KinesisAsyncClientBuilder builder, String region, String profile) {
    if (region != null) {
      builder.region(Region.of(region));
    }
    if (profile != null) {
      builder.overrideConfiguration(o -> o.defaultProfileName(profile));
    }
  }

  private static KinesisAsyncClient build(KinesisAsyncClientBuilder builder) {
    try {
      return builder.build();
    } catch (SdkClientException e) {
      throw explained(e, null, null).orElseThrow(() -> CliException.failed("cannot create a Kinesis client: "
          + firstLine(e.getMessage()), e));
    }
  }

  /**
   * A failure of a call to this endpoint as one line saying what is missing and how to give it (no region, no
   * credentials, nothing listening), or the failure itself when it is something else.
   */
  Exception explain(Exception failure) {
    Throwable cause = failure;
    while ((cause instanceof java.util.concurrent.ExecutionException
        || cause instanceof java.util.concurrent.CompletionException) && cause.getCause() != null) {
      cause = cause.getCause();
    }
    Optional<CliException> explained = explained(cause, description, profile);
    return explained.isPresent() ? explained.get() : failure;
  }

  private static Optional<CliException> explained(Throwable error, String endpoint, String profileName) {
    String message = String.valueOf(error.getMessage());
    if (message.contains("Unable to load region")) {
      return Optional.of(CliException.failed("no AWS region: give --region, set AWS_REGION, or set one for the "
          + "profile in ~/.aws/config (aws configure)", error));
    }
    if (message.contains("Unable to load credentials")) {
      String profile = firstNonBlank(profileName, System.getenv("AWS_PROFILE"));
      return Optional.of(CliException.failed("no AWS credentials" + (profile == null ? ""
          : " for profile " + profile + " (in ~/.aws/credentials or ~/.aws/config)")
          + ": give --profile NAME (or set AWS_PROFILE), set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run "
          + "aws configure (or aws sso login)", error));
    }
    if (message.contains("profile file") || message.contains("Profile file contained no")
        || message.contains("does not exist in the profile file")) {
      return Optional.of(CliException.failed("AWS profile problem: " + firstLine(message), error));
    }
    // The SDK retries: the first attempt's cause may sit among the suppressed exceptions of the last one.
    StringBuilder chain = new StringBuilder();
    String unknownHost = null;
    java.util.ArrayDeque<Throwable> pending = new java.util.ArrayDeque<>(List.of(error));
    for (int seen = 0; !pending.isEmpty() && seen < 50; seen++) {
      Throwable t = pending.pop();
      chain.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append('\n');
      if (t instanceof java.net.UnknownHostException) {
        unknownHost = firstLine(t.getMessage());
      }
      if (t.getCause() != null && t.getCause() != t) {
        pending.push(t.getCause());
      }
      pending.addAll(List.of(t.getSuppressed()));
    }
    String text = chain.toString();
    String why = unknownHost != null ? "unknown host " + unknownHost
        : text.contains("Connection refused") ? "connection refused"
        : text.contains("ConnectException") || text.contains("Network is unreachable") ? "cannot connect"
        : text.contains("Acquire operation took longer") || text.contains("onnection timed out")
        || text.contains("ConnectTimeoutException") ? "no connection within the timeout" : null;
    if (why != null) {
      return Optional.of(CliException.failed("cannot reach the Kinesis API at " + (endpoint == null ? "its endpoint"
          : endpoint) + ": " + why + " (is it running? --endpoint, AWS_ENDPOINT_URL and --region choose it)", error));
    }
    return Optional.empty();
  }

  private static String firstLine(String message) {
    String text = String.valueOf(message);
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  private static String firstNonBlank(String... values) {
    for (String value : values) {
      if (value != null && !value.isBlank()) {
        return value.strip();
      }
    }
    return null;
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** The address another kplc wrote, waiting up to {@code waitSeconds} for it while that kplc starts kinesalite. */
  private static String readAddress(Path addressFile, long waitSeconds) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
    while (true) {
      if (Files.exists(addressFile)) {
        String address = Files.readString(addressFile, StandardCharsets.UTF_8).strip();
        if (!address.isEmpty()) {
          return address;
        }
      }
      if (System.nanoTime() > deadline) {
        throw CliException.failed("another kplc holds " + addressFile.resolveSibling(
            addressFile.getFileName().toString().replace(".endpoint", ".lock"))
            + " but has not published its kinesalite's address; give this one another --data-dir");
      }
      Thread.sleep(100);
    }
  }
}
