package io.kplcodec.compat.kplcapture;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.services.kinesis.producer.KinesisProducer;
import com.amazonaws.services.kinesis.producer.KinesisProducerConfiguration;
import com.amazonaws.services.kinesis.producer.UserRecordResult;
import io.kplcodec.compat.CompatRecord;
import io.kplcodec.compat.Decoded;
import io.kplcodec.compat.ProtobufJavaCodec;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Captures test vectors from the real KPL (com.amazonaws:amazon-kinesis-producer, its native daemon) and probes
 * which explicit hash keys its {@code addUserRecord} accepts. Not part of the default build (see the {@code
 * kpl-capture} profile and README.md, "The real producer"); it writes {@code
 * src/test/resources/kpl-vectors/kpl-0.15.12.tsv.gz}, which {@code KplVectorsTest} replays without the KPL.
 *
 * <p>The daemon talks only to {@link FakeKinesisEndpoint} on 127.0.0.1 (Kinesis, STS; metrics off) and gets fake
 * credentials; the profile sets {@code AWS_EC2_METADATA_DISABLED=true} and fake keys and region in the JVM's
 * environment, which the KPL passes on to its daemon (it has no setting of its own for the environment).
 *
 * <p>Every user record's data starts with {@code #<sequence number>#}, so each record of the KPL's output maps back
 * to the input it came from.
 */
class KplVectorCapture {
  static final String KPL_VERSION = "0.15.12";
  static final BigInteger MAX = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
  private static final int SHARDS = 4;
  private static final int AGGREGATION_MAX_SIZE = 4096;
  private static final int MAIN_RECORDS = Integer.getInteger("kplcodec.capture.records", 7_000);
  private static final long SEED = 22;
  private static final byte[] FILLER =
      "The quick brown fox jumps over the lazy dog; ".repeat(8).getBytes(StandardCharsets.US_ASCII);

  /**
   * Explicit hash keys to give addUserRecord, each once as a lone probe: leading zeros, signs, zero forms,
   * whitespace, not numbers, out of range, padded maximum, non-ASCII digits.
   */
  static final List<String> PROBES = List.of(
      "42", "00042", "042", "+42", "+042", "0", "0000", "+0", "-0", "-000", "-1", "-42", "+-1", "++1", "+", "-", "",
      " ", " 42", "42 ", "\t42\n", "\u000042\u001f", "42\u00a0", "\u200942", "4 2", "1e3", "4.2", "42.0", "0x2A",
      "42a", "1_000", "\u0664\u0662", "\uff14\uff12", "\u0664" + "2",
      MAX.toString(), MAX.add(BigInteger.ONE).toString(), "-" + MAX, "0" + MAX, "00000" + MAX,
      "0".repeat(61) + MAX, "0".repeat(40) + "42", "0".repeat(39), "0".repeat(100), "+" + "0".repeat(50) + "7",
      "0" + MAX.add(BigInteger.ONE), "9".repeat(40), "1" + "0".repeat(38), "1" + "0".repeat(39));

  /** A user record as given to the KPL. */
  record Input(int sequence, String partitionKey, String explicitHashKey, byte[] data) {}

  private final Random random = new Random(SEED);
  private final Map<Integer, Input> inputs = new LinkedHashMap<>();
  private final List<Future<UserRecordResult>> results = new ArrayList<>();
  private final Map<Integer, String> probeRefusals = new LinkedHashMap<>();
  private final List<Integer> probeSequences = new ArrayList<>();
  private final List<Integer> loneSequences = new ArrayList<>();
  private int nextSequence;
  private int warmUpEntries;

  @Test
  void capture() throws Exception {
    assertEquals("true", System.getenv("AWS_EC2_METADATA_DISABLED"),
        "run through the kpl-capture profile: the daemon must not look for EC2 instance metadata");
    Path out = Path.of(System.getProperty("kplcodec.vectors",
        "src/test/resources/kpl-vectors/kpl-" + KPL_VERSION + ".tsv.gz"));
    Path work = Files.createDirectories(Path.of("target", "kpl-capture"));
    try (FakeKinesisEndpoint endpoint = new FakeKinesisEndpoint("kpl-vectors", SHARDS, work)) {
      KinesisProducerConfiguration config = new KinesisProducerConfiguration()
          .setRegion("us-east-1")
          .setCredentialsProvider(new AWSStaticCredentialsProvider(new BasicAWSCredentials("AKIDKPLCAPTURE", "fake")))
          .setKinesisEndpoint("127.0.0.1").setKinesisPort(endpoint.port())
          .setStsEndpoint("127.0.0.1").setStsPort(endpoint.port())
          .setCloudwatchEndpoint("127.0.0.1").setCloudwatchPort(endpoint.port())
          .setVerifyCertificate(false)
          .setMetricsLevel("none")
          .setLogLevel(System.getProperty("kplcodec.capture.logLevel", "warning"))
          .setAggregationMaxSize(AGGREGATION_MAX_SIZE)
          .setRecordMaxBufferedTime(10_000)
          .setRecordTtl(600_000)
          .setTempDirectory(work.toAbsolutePath().toString());
      KinesisProducer kpl = new KinesisProducer(config);
      try {
        // The daemon lists a stream's shards when its first user record arrives, and sends records unaggregated
        // until it has: one warm-up record, not part of the vectors.
        results.add(kpl.addUserRecord("kpl-vectors", "warm-up", null, ByteBuffer.wrap(new byte[] {'w'})));
        awaitShardMap(endpoint);
        kpl.flushSync();
        warmUpEntries = endpoint.entries().size();
        addMainWorkload(kpl);
        kpl.flushSync();
        addLoneRecords(kpl);
        addProbes(kpl);
        kpl.flushSync();
        for (Future<UserRecordResult> result : results) {
          if (!result.get(60, TimeUnit.SECONDS).isSuccessful()) {
            throw new AssertionError("a user record failed: " + result.get().getAttempts());
          }
        }
      } finally {
        kpl.destroy();
      }
      System.out.println("fake endpoint calls: " + endpoint.calls());
      List<FakeKinesisEndpoint.Entry> entries = endpoint.entries();
      write(out, entries.subList(warmUpEntries, entries.size()));
    }
  }

  private static void awaitShardMap(FakeKinesisEndpoint endpoint) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (endpoint.calls("ListShards") + endpoint.calls("DescribeStream") == 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the daemon never listed the shards: " + endpoint.calls());
      }
      Thread.sleep(100);
    }
    Thread.sleep(2000); // the daemon installs the shard map after the answer; until then it does not aggregate
  }

  private void addMainWorkload(KinesisProducer kpl) {
    List<String> repeatedKeys = List.of("user-1", "user-2", "user-3", "order-42", "ключ-1", "キー",
        "клиент-🔑",
        "x".repeat(256), "é".repeat(256), "🔑".repeat(128), "k", "1", "100", "00");
    List<String> repeatedHashKeys = List.of("42", "00042", "042", "+42", "0", "0000", "+0", "-0", MAX.toString(),
        "0" + MAX, "000" + MAX, "7", "+7", "0".repeat(45) + "7");
    for (int i = 0; i < MAIN_RECORDS; i++) {
      int sequence = nextSequence++;
      String partitionKey = switch (random.nextInt(10)) {
        case 0, 1, 2, 3 -> repeatedKeys.get(random.nextInt(repeatedKeys.size()));
        case 4, 5 -> "k-" + sequence;
        case 6 -> "ключ-" + sequence + "-é";
        case 7 -> ("p" + sequence + "-").repeat(256).substring(0, 256);
        case 8 -> ("ü" + sequence).repeat(256).substring(0, 256);
        default -> "🔑" + sequence;
      };
      String explicitHashKey = switch (random.nextInt(20)) {
        case 0, 1, 2, 3 -> repeatedHashKeys.get(random.nextInt(repeatedHashKeys.size()));
        case 4 -> new BigInteger(128, random).toString();
        case 5 -> "0".repeat(1 + random.nextInt(6)) + new BigInteger(128, random);
        case 6 -> "+" + new BigInteger(random.nextInt(129), random);
        case 7 -> random.nextBoolean() ? "0" : MAX.toString();
        case 8 -> String.format("%039d", new BigInteger(120, random));
        case 9 -> " " + new BigInteger(64, random) + "\n";
        case 10 -> "\u0664\u0662"; // Arabic-Indic 42: BigInteger reads it
        default -> null;
      };
      add(kpl, new Input(sequence, partitionKey, explicitHashKey, data(sequence, 10 + random.nextInt(250))));
    }
  }

  /** One user record at a time, each flushed alone: the KPL sends a lone record raw, with its own keys. */
  private void addLoneRecords(KinesisProducer kpl) {
    String[][] lone = {{"lone", null}, {"одинокий", null}, {"L".repeat(256), null}, {"lone-0", "0"},
        {"lone-max", MAX.toString()}, {"lone-plus", "+42"}, {"lone-zeros", "00042"}, {"lone-space", " 7 "},
        {"lone-padded-max", "000000" + MAX}, {"lone-minus-zero", "-0"}};
    for (String[] keys : lone) {
      int sequence = nextSequence++;
      add(kpl, new Input(sequence, keys[0], keys[1], data(sequence, 40)));
      loneSequences.add(sequence);
      kpl.flushSync();
    }
  }

  private void addProbes(KinesisProducer kpl) {
    for (String probe : PROBES) {
      int sequence = nextSequence++;
      probeSequences.add(sequence);
      try {
        add(kpl, new Input(sequence, "probe", probe, data(sequence, 20)));
      } catch (IllegalArgumentException refused) { // thrown by addUserRecord before anything reaches the daemon
        probeRefusals.put(sequence, refused.getMessage());
      }
    }
  }

  private void add(KinesisProducer kpl, Input input) {
    inputs.put(input.sequence(), input);
    results.add(kpl.addUserRecord("kpl-vectors", input.partitionKey(), input.explicitHashKey(),
        ByteBuffer.wrap(input.data())));
  }

  /** {@code #<sequence>#} then filler: unique per user record, and compressible. */
  private static byte[] data(int sequence, int length) {
    byte[] head = ("#" + sequence + "#").getBytes(StandardCharsets.US_ASCII);
    byte[] data = new byte[Math.max(length, head.length)];
    System.arraycopy(head, 0, data, 0, head.length);
    System.arraycopy(FILLER, sequence % 45, data, head.length, data.length - head.length);
    return data;
  }

  static int sequenceOf(byte[] data) {
    int end = 1;
    while (data[end] != '#') {
      end++;
    }
    return Integer.parseInt(new String(data, 1, end - 1, StandardCharsets.US_ASCII));
  }

  private void write(Path out, List<FakeKinesisEndpoint.Entry> entries) throws IOException {
    Map<Integer, String> written = new HashMap<>(); // sequence -> explicit hash key as the KPL wrote it
    Map<Integer, Integer> seen = new HashMap<>();
    StringBuilder records = new StringBuilder();
    int aggregates = 0;
    int userRecords = 0;
    int raw = 0;
    for (FakeKinesisEndpoint.Entry entry : entries) {
      Decoded decoded = new ProtobufJavaCodec().decode(entry.data());
      List<CompatRecord> users;
      if (decoded.classification() == io.kplcodec.Classification.AGGREGATED) {
        users = decoded.records();
        aggregates++;
      } else {
        users = List.of(new CompatRecord(entry.partitionKey(), entry.explicitHashKey(), entry.data()));
        raw++;
      }
      records.append("R\t").append(b64(entry.partitionKey())).append('\t')
          .append(entry.explicitHashKey() == null ? "-" : entry.explicitHashKey()).append('\t')
          .append(Base64.getEncoder().encodeToString(entry.data())).append('\t').append(users.size()).append('\n');
      for (CompatRecord user : users) {
        int sequence = sequenceOf(user.data());
        Input input = inputs.get(sequence);
        if (seen.merge(sequence, 1, Integer::sum) > 1) {
          throw new AssertionError("user record " + sequence + " sent twice");
        }
        if (!input.partitionKey().equals(user.partitionKey()) || !java.util.Arrays.equals(input.data(), user.data())) {
          throw new AssertionError("user record " + sequence + " came back different: " + user);
        }
        written.put(sequence, user.explicitHashKey());
        records.append("U\t").append(sequence).append('\t').append(b64(input.partitionKey())).append('\t')
            .append(input.explicitHashKey() == null ? "-" : b64(input.explicitHashKey())).append('\t')
            .append(Base64.getEncoder().encodeToString(input.data())).append('\n');
        userRecords++;
      }
    }
    int expected = inputs.size() - probeRefusals.size();
    if (seen.size() != expected) {
      throw new AssertionError("the KPL sent " + seen.size() + " of " + expected + " user records");
    }
    StringBuilder probes = new StringBuilder();
    for (int sequence : probeSequences) {
      String given = inputs.get(sequence).explicitHashKey();
      String refusal = probeRefusals.get(sequence);
      probes.append("P\t").append(b64(given)).append('\t')
          .append(refusal != null ? "refused\t" + b64(refusal) : "accepted\t" + written.get(sequence))
          .append('\t').append(printable(given)).append('\n');
    }
    Files.createDirectories(out.toAbsolutePath().getParent());
    try (Writer writer = new BufferedWriter(new OutputStreamWriter(
        new GZIPOutputStream(Files.newOutputStream(out)), StandardCharsets.UTF_8))) {
      writer.write("# Captured from the real KPL, com.amazonaws:amazon-kinesis-producer:" + KPL_VERSION
          + " (its native daemon), by KplVectorCapture against a fake Kinesis endpoint.\n");
      writer.write("# AggregationMaxSize=" + AGGREGATION_MAX_SIZE + ", " + SHARDS + " even shards, seed " + SEED
          + ": " + entries.size() + " Kinesis records (" + aggregates + " aggregated, " + raw + " raw), "
          + userRecords + " user records, " + PROBES.size() + " probes.\n");
      writer.write("# P <explicit hash key given, base64> accepted <as the KPL wrote it> <printable>\n");
      writer.write("# P <explicit hash key given, base64> refused <addUserRecord's message, base64> <printable>\n");
      writer.write("# R <partition key sent, base64> <explicit hash key sent or -> <data sent, base64> "
          + "<user records>\n");
      writer.write("# U <sequence> <partition key given, base64> <explicit hash key given, base64, or -> <data, "
          + "base64>: the R line's user records, in its order\n");
      writer.write(probes.toString());
      writer.write(records.toString());
    }
    System.out.printf("wrote %s: %d Kinesis records (%d aggregated, %d raw), %d user records, %d probes (%d refused),"
        + " %d bytes%n", out, entries.size(), aggregates, raw, userRecords, PROBES.size(), probeRefusals.size(),
        Files.size(out));
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  /** The text with control, space and non-ASCII characters as \\uXXXX, for a reader of the file. */
  private static String printable(String text) {
    StringBuilder s = new StringBuilder();
    for (char c : text.toCharArray()) {
      if (c > ' ' && c < 0x7F && c != '\\') {
        s.append(c);
      } else {
        s.append(String.format("\\u%04x", (int) c));
      }
    }
    return s.length() == 0 ? "(empty)" : s.toString();
  }
}
