package io.kplcodec.kpl;

import static io.kplcodec.local.testing.KinesaliteAssumptions.assumeKinesaliteAvailable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kplcodec.local.LocalKinesis;
import java.io.File;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import sample.KplSampleApp;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchAsyncClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbAsyncClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.kinesis.KinesisAsyncClient;
import software.amazon.kinesis.common.ConfigsBuilder;
import software.amazon.kinesis.common.InitialPositionInStream;
import software.amazon.kinesis.common.InitialPositionInStreamExtended;
import software.amazon.kinesis.coordinator.Scheduler;
import software.amazon.kinesis.lifecycle.events.InitializationInput;
import software.amazon.kinesis.lifecycle.events.LeaseLostInput;
import software.amazon.kinesis.lifecycle.events.ProcessRecordsInput;
import software.amazon.kinesis.lifecycle.events.ShardEndedInput;
import software.amazon.kinesis.lifecycle.events.ShutdownRequestedInput;
import software.amazon.kinesis.metrics.MetricsLevel;
import software.amazon.kinesis.processor.ShardRecordProcessor;
import software.amazon.kinesis.processor.SingleStreamTracker;
import software.amazon.kinesis.retrieval.KinesisClientRecord;
import software.amazon.kinesis.retrieval.polling.PollingConfig;

/**
 * The sample application ({@code sample.KplSampleApp}, the KPL's documented style) written once and built twice:
 * by Maven against kpl-codec-kpl, and here against the real KPL 1.0.7 jar (javac, nothing of this module on the
 * class path). The kpl-codec build runs, and so do the classes built against the real KPL, unchanged, on this
 * module's class path (binary compatibility: no recompiling either), against kinesalite behind an HTTPS front (the KPL
 * reaches Kinesis only over HTTPS); a real KCL 3.5.1 worker, with KCL's own deaggregation, then reads the stream:
 * every user record of each run arrives exactly once, with its partition key.
 *
 * <p>The real-KPL run starts the KPL's native daemon and needs the KPL's runtime class path (resolved from {@code
 * src/test/real-kpl/pom.xml}): on Linux x86-64, unless {@code -Dkpl.real=false}; elsewhere it is built and not run,
 * and the log says so.
 */
class KplSampleEndToEndTest {
  private static final int RECORDS = 2_000;

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void theSameSampleBuiltAgainstBothPutsEveryRecordOnceAsKclReadsIt() throws Exception {
    Path work = Path.of("target/sample-e2e");
    Files.createDirectories(work);
    // Build 2: the same source against the real KPL (build 1 is Maven's, against this module).
    Path realClasses = compileAgainstRealKpl(work);
    assertTrue(Files.isRegularFile(realClasses.resolve("sample/KplSampleApp.class")));

    assumeKinesaliteAvailable();
    String stream = "kpl-sample";
    // The real KPL's daemon ships for Linux, macOS and Windows on x86-64 (and Linux on arm64); where it cannot run,
    // or with -Dkpl.real=false, its build is checked but not run, and the log says why.
    String platform = System.getProperty("os.name") + "/" + System.getProperty("os.arch");
    boolean daemonRunsHere = platform.startsWith("Linux/amd64") || platform.startsWith("Linux/x86_64");
    boolean runReal = daemonRunsHere && !"false".equals(System.getProperty("kpl.real"));
    try (LocalKinesis kinesalite = LocalKinesis.start();
        LocalKinesis dynalite = LocalKinesis.startDynalite();
        KinesisAsyncClient kinesis = kinesalite.client();
        HttpsKinesisFront front = new HttpsKinesisFront(kinesalite.port(), work)) {
      LocalKinesis.createStream(kinesis, stream, 2);

      long failed = KplSampleApp.run("127.0.0.1", front.port(), stream, RECORDS, "kpl-codec");
      assertEquals(0, failed, "records the kpl-codec build failed");
      List<String> tags = new ArrayList<>(List.of("kpl-codec"));

      // No recompiling either: the classes built against the real KPL, run on kpl-codec-kpl's class path.
      assertEquals(0, runBuiltForRealKplOnKplCodec(work, realClasses, front.port(), stream),
          "the real-KPL build on kpl-codec-kpl (its log: " + work.resolve("binary-on-kpl-codec.log") + ")");
      tags.add("binary-on-kpl-codec");

      if (runReal) {
        int exit = runAgainstRealKpl(work, realClasses, front.port(), stream);
        assertEquals(0, exit, "the real KPL's run (its log: " + work.resolve("real-kpl.log") + ")");
        tags.add("real-kpl");
      } else {
        System.out.println("KplSampleEndToEndTest: SKIPPED the real KPL's run (built against it, not run): "
            + (daemonRunsHere ? "-Dkpl.real=false" : "its native daemon is not run on " + platform + " by this test"));
      }
      System.out.println("HTTPS front calls: " + front.calls());

      Map<String, Integer> seen = readWithKcl(kinesis, dynalite, stream, tags.size() * RECORDS);
      for (String tag : tags) {
        for (int i = 0; i < RECORDS; i++) {
          assertEquals(Integer.valueOf(1), seen.get(tag + ":" + i + "|customer-" + (i % 100)),
              "times KCL read " + tag + " record " + i + " with its partition key");
        }
      }
      assertEquals(tags.size() * RECORDS, seen.size(), "distinct user records read: " + tags);
      System.out.printf("KplSampleEndToEndTest: %s, %d user records each, each read once by KCL 3.5.1%n", tags,
          RECORDS);
    }
  }

  /** javac on the sample's source with the real KPL jar first and none of this module's classes. */
  private static Path compileAgainstRealKpl(Path work) throws Exception {
    Path out = work.resolve("real-kpl-classes");
    Files.createDirectories(out);
    String classPath = Path.of("target/real-kpl/amazon-kinesis-producer.jar").toAbsolutePath() + File.pathSeparator
        + Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(entry -> !entry.endsWith("target/classes") && !entry.endsWith("target/test-classes"))
            .collect(Collectors.joining(File.pathSeparator));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    int status = javac.run(null, null, null, "-d", out.toString(), "-cp", classPath, "-proc:none",
        "src/test/java/sample/KplSampleApp.java");
    assertEquals(0, status, "javac of the sample against the real KPL");
    return out;
  }

  /** The classes javac built against the real KPL, in a JVM of their own with this module (not the KPL) on it. */
  private static int runBuiltForRealKplOnKplCodec(Path work, Path classes, int port, String stream)
      throws Exception {
    String classPath = classes.toAbsolutePath() + File.pathSeparator
        + Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
            .filter(entry -> !entry.endsWith("target/test-classes"))
            .collect(Collectors.joining(File.pathSeparator));
    Path log = work.resolve("binary-on-kpl-codec.log");
    Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Daws.cborEnabled=false", "-cp", classPath, "sample.KplSampleApp", "127.0.0.1", Integer.toString(port),
        stream, Integer.toString(RECORDS), "binary-on-kpl-codec")
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the run did not end in 120 s: " + log);
    }
    System.out.println("real-KPL build on kpl-codec-kpl: " + Files.readAllLines(log).stream()
        .filter(line -> line.startsWith("put=")).findFirst().orElse("(no summary line)"));
    return process.exitValue();
  }

  /** The real KPL's run in its own JVM, kept off the network (fake credentials, no EC2 metadata). */
  private static int runAgainstRealKpl(Path work, Path classes, int port, String stream) throws Exception {
    Path classPathFile = work.resolve("real-kpl.classpath").toAbsolutePath();
    Process mvn = new ProcessBuilder("mvn", "-B", "-q", "-f", "src/test/real-kpl/pom.xml",
        "org.apache.maven.plugins:maven-dependency-plugin:3.9.0:build-classpath",
        "-Dmdep.outputFile=" + classPathFile).inheritIO().start();
    assertEquals(0, mvn.waitFor(), "resolving the real KPL's class path");
    String classPath = classes.toAbsolutePath() + File.pathSeparator + Files.readString(classPathFile).strip();
    ProcessBuilder java = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classPath, "sample.KplSampleApp", "127.0.0.1", Integer.toString(port), stream,
        Integer.toString(RECORDS), "real-kpl")
        .redirectErrorStream(true).redirectOutput(work.resolve("real-kpl.log").toFile());
    java.environment().put("AWS_EC2_METADATA_DISABLED", "true");
    java.environment().put("AWS_ACCESS_KEY_ID", "AKIDSAMPLE");
    java.environment().put("AWS_SECRET_ACCESS_KEY", "secret");
    java.environment().put("AWS_REGION", "us-east-1");
    Process process = java.start();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the real KPL's run did not end in 120 s: " + work.resolve("real-kpl.log"));
    }
    System.out.println("real KPL run: " + Files.readAllLines(work.resolve("real-kpl.log")).stream()
        .filter(line -> line.startsWith("put=")).findFirst().orElse("(no summary line)"));
    return process.exitValue();
  }

  /** A KCL 3.5.1 worker with KCL's own deaggregation: "data|partitionKey" -> times read. */
  private static Map<String, Integer> readWithKcl(KinesisAsyncClient kinesis, LocalKinesis dynalite, String stream,
      int expected) throws Exception {
    String application = stream + "-reader";
    Map<String, Integer> seen = new ConcurrentHashMap<>();
    AtomicLong records = new AtomicLong();
    try (DynamoDbAsyncClient dynamoDb = DynamoDbAsyncClient.builder()
        .endpointOverride(URI.create("http://127.0.0.1:" + dynalite.port())).region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1)).build();
        CloudWatchAsyncClient cloudWatch = CloudWatchAsyncClient.builder().region(Region.US_EAST_1)
            .endpointOverride(URI.create("http://127.0.0.1:9"))
            .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
            .build()) {
      // KCL 3 finds its leases through this index, which dynalite cannot add later: made up front, as KCL would.
      dynamoDb.createTable(b -> b.tableName(application)
          .attributeDefinitions(
              AttributeDefinition.builder().attributeName("leaseKey").attributeType(ScalarAttributeType.S).build(),
              AttributeDefinition.builder().attributeName("leaseOwner").attributeType(ScalarAttributeType.S).build())
          .keySchema(KeySchemaElement.builder().attributeName("leaseKey").keyType(KeyType.HASH).build())
          .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName("LeaseOwnerToLeaseKeyIndex")
              .keySchema(KeySchemaElement.builder().attributeName("leaseOwner").keyType(KeyType.HASH).build(),
                  KeySchemaElement.builder().attributeName("leaseKey").keyType(KeyType.RANGE).build())
              .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build()).build())
          .billingMode(BillingMode.PAY_PER_REQUEST)).get(10, TimeUnit.SECONDS);
      ConfigsBuilder configs = new ConfigsBuilder(
          new SingleStreamTracker(stream,
              InitialPositionInStreamExtended.newInitialPosition(InitialPositionInStream.TRIM_HORIZON)),
          application, kinesis, dynamoDb, cloudWatch, "worker-1", () -> new ShardRecordProcessor() {
            @Override
            public void initialize(InitializationInput input) {}

            @Override
            public void processRecords(ProcessRecordsInput input) {
              for (KinesisClientRecord record : input.records()) {
                byte[] data = new byte[record.data().remaining()];
                record.data().get(data);
                seen.merge(new String(data, StandardCharsets.UTF_8) + "|" + record.partitionKey(), 1, Integer::sum);
                records.incrementAndGet();
              }
            }

            @Override
            public void leaseLost(LeaseLostInput input) {}

            @Override
            public void shardEnded(ShardEndedInput input) {}

            @Override
            public void shutdownRequested(ShutdownRequestedInput input) {}
          });
      var leases = configs.leaseManagementConfig().failoverTimeMillis(2000).shardSyncIntervalMillis(5000);
      leases.workerUtilizationAwareAssignmentConfig()
          .inMemoryWorkerMetricsCaptureFrequencyMillis(500).workerMetricsReporterFreqInMillis(1000);
      Scheduler scheduler = new Scheduler(configs.checkpointConfig(), configs.coordinatorConfig(), leases,
          configs.lifecycleConfig(), // KCL's own AggregatorUtil
          configs.metricsConfig().metricsLevel(MetricsLevel.NONE), configs.processorConfig(),
          configs.retrievalConfig().retrievalSpecificConfig(
              new PollingConfig(stream, kinesis).idleTimeBetweenReadsInMillis(250)));
      Thread worker = new Thread(scheduler, "kcl-worker");
      worker.setDaemon(true);
      worker.start();
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (records.get() < expected && System.nanoTime() < deadline) {
          Thread.sleep(250);
        }
        Thread.sleep(1000); // anything arriving late (a duplicate) is counted too
      } finally {
        scheduler.shutdown();
        worker.join(TimeUnit.SECONDS.toMillis(20));
      }
    }
    return seen;
  }
}
