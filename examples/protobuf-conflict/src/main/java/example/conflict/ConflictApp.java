package example.conflict;

import com.amazonaws.kinesis.agg.AggRecord;
import com.amazonaws.kinesis.agg.RecordAggregator;
import com.amazonaws.services.kinesis.clientlibrary.types.UserRecord;
import com.amazonaws.services.kinesis.model.Record;
import io.kplcodec.Aggregator;
import io.kplcodec.Deaggregator;
import io.kplcodec.KinesisRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One program, run on two class paths (../with-protobuf-2.6.1 and ../with-protobuf-4): 1,000 user records aggregated
 * and deaggregated by kpl-codec-core, and by the awslabs jars (amazon-kinesis-aggregator's RecordAggregator, KCL 1.x's
 * UserRecord.deaggregate, both on protobuf-java 2.6.1's generated code), each side also reading the other's output.
 *
 * <p>Argument: what the awslabs jars must do on this class path: {@code works}, {@code warns} (they work, but
 * protobuf-java logs warnings about them) or {@code fails}; the exit code is 1 if they do otherwise or if kpl-codec
 * does not get every user record back, or if protobuf-java warns about anything while kpl-codec runs.
 */
public final class ConflictApp {
  private static final int USER_RECORDS = 1000;
  /** What protobuf-java logs (java.util.logging), kept to tell who caused it. */
  private static final List<String> PROTOBUF_WARNINGS = new ArrayList<>();
  /** Kept here: java.util.logging holds its loggers weakly. */
  private static final Logger PROTOBUF_LOGGER = Logger.getLogger("com.google.protobuf");

  public static void main(String[] args) {
    String expected = args.length > 0 ? args[0] : "works";
    PROTOBUF_LOGGER.addHandler(new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
          PROTOBUF_WARNINGS.add(record.getMessage());
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    });
    System.out.println("== class path: " + jarOf("com.google.protobuf.Message") + ", "
        + jarOf("io.kplcodec.Aggregator") + ", " + jarOf("com.amazonaws.kinesis.agg.RecordAggregator") + ", "
        + jarOf("com.amazonaws.services.kinesis.clientlibrary.types.UserRecord"));

    List<String> keys = new ArrayList<>();
    List<byte[]> data = new ArrayList<>();
    for (int i = 0; i < USER_RECORDS; i++) {
      keys.add("customer-" + (i % 10));
      data.add(("{\"order\":" + i + "}").getBytes(StandardCharsets.UTF_8));
    }

    // kpl-codec-core: aggregate, then deaggregate, every user record back. Both aggregators with their defaults.
    Aggregator aggregator = Aggregator.builder().build();
    List<KinesisRecord> kplcodecAggregates = new ArrayList<>();
    for (int i = 0; i < USER_RECORDS; i++) {
      KinesisRecord full = aggregator.add(keys.get(i), data.get(i));
      if (full != null) {
        kplcodecAggregates.add(full);
      }
    }
    kplcodecAggregates.addAll(aggregator.flush());
    List<byte[]> kplcodecBytes = new ArrayList<>();
    for (KinesisRecord record : kplcodecAggregates) {
      kplcodecBytes.add(record.dataBytes());
    }
    boolean kplcodecOk = sameUserRecords("kpl-codec-core deaggregating kpl-codec-core", kplcodecDeaggregate(kplcodecBytes),
        keys, data);
    System.out.printf("kpl-codec-core: %d user records -> %d aggregated Kinesis records -> %d user records back: %s%n",
        USER_RECORDS, kplcodecBytes.size(), kplcodecDeaggregate(kplcodecBytes).size(), kplcodecOk ? "OK" : "WRONG");
    if (!PROTOBUF_WARNINGS.isEmpty()) {
      System.out.println("kpl-codec-core: protobuf-java warned while it ran: " + PROTOBUF_WARNINGS);
      kplcodecOk = false;
    }

    // The awslabs jars: RecordAggregator, then KCL 1.x's UserRecord.deaggregate on kpl-codec's aggregates.
    boolean awslabsOk = true;
    List<byte[]> awslabsBytes = null;
    try {
      awslabsBytes = awslabsAggregate(keys, data);
      System.out.printf("awslabs RecordAggregator: %d user records -> %d aggregated Kinesis records: OK%n",
          USER_RECORDS, awslabsBytes.size());
    } catch (Throwable e) { // LinkageError included: what a class path conflict throws
      awslabsOk = false;
      printFailure("awslabs RecordAggregator.addUserRecord", e);
    }
    try {
      List<String[]> back = kcl1Deaggregate(kplcodecBytes);
      boolean ok = sameUserRecords("KCL 1.x deaggregating kpl-codec-core", back, keys, data);
      awslabsOk &= ok;
      System.out.printf("KCL 1.x UserRecord.deaggregate of kpl-codec-core's aggregates: %d user records: %s%n",
          back.size(), ok ? "OK" : "WRONG");
    } catch (Throwable e) {
      awslabsOk = false;
      printFailure("KCL 1.x UserRecord.deaggregate", e);
    }
    if (awslabsBytes != null) {
      boolean ok = sameUserRecords("kpl-codec-core deaggregating awslabs", kplcodecDeaggregate(awslabsBytes), keys,
          data);
      kplcodecOk &= ok;
      System.out.printf("kpl-codec-core deaggregating awslabs RecordAggregator's aggregates: %s%n", ok ? "OK" : "WRONG");
    }

    String awslabs = !awslabsOk ? "fails" : PROTOBUF_WARNINGS.isEmpty() ? "works" : "warns";
    for (String warning : PROTOBUF_WARNINGS) {
      // Its first line names the generated type; the second says why, then how to silence it.
      String[] lines = warning.split("\n");
      String why = lines.length > 1 ? lines[1] : "";
      int end = why.indexOf("attack.");
      System.out.println("protobuf-java warned about the awslabs jars: " + lines[0] + " / "
          + (end >= 0 ? why.substring(0, end + "attack.".length()) : why));
    }
    System.out.println("== kpl-codec-core: " + (kplcodecOk ? "works" : "FAILS") + "; awslabs jars: " + awslabs);
    if (!kplcodecOk || !awslabs.equals(expected)) {
      System.out.println("== UNEXPECTED: the awslabs jars were expected to give '" + expected + "'"
          + (kplcodecOk ? "" : ", and kpl-codec-core to work"));
      System.exit(1);
    }
  }

  private static List<String[]> kplcodecDeaggregate(List<byte[]> kinesisRecords) {
    Deaggregator deaggregator = Deaggregator.create();
    List<String[]> out = new ArrayList<>();
    for (byte[] kinesisRecord : kinesisRecords) {
      for (io.kplcodec.UserRecord userRecord : deaggregator.deaggregate(kinesisRecord)) {
        out.add(new String[] {userRecord.partitionKey(),
            new String(userRecord.dataBytes(), StandardCharsets.UTF_8)});
      }
    }
    return out;
  }

  private static List<byte[]> awslabsAggregate(List<String> keys, List<byte[]> data) throws Exception {
    RecordAggregator aggregator = new RecordAggregator();
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      AggRecord full = aggregator.addUserRecord(keys.get(i), data.get(i));
      if (full != null) {
        out.add(full.toRecordBytes());
      }
    }
    AggRecord last = aggregator.clearAndGet();
    if (last != null && last.getNumUserRecords() > 0) {
      out.add(last.toRecordBytes());
    }
    return out;
  }

  private static List<String[]> kcl1Deaggregate(List<byte[]> kinesisRecords) {
    List<Record> records = new ArrayList<>();
    for (byte[] kinesisRecord : kinesisRecords) {
      records.add(new Record().withPartitionKey("a").withSequenceNumber("1").withData(ByteBuffer.wrap(kinesisRecord)));
    }
    List<String[]> out = new ArrayList<>();
    for (UserRecord userRecord : UserRecord.deaggregate(records)) {
      ByteBuffer bytes = userRecord.getData();
      byte[] copy = new byte[bytes.remaining()];
      bytes.get(copy);
      out.add(new String[] {userRecord.getPartitionKey(), new String(copy, StandardCharsets.UTF_8)});
    }
    return out;
  }

  private static boolean sameUserRecords(String what, List<String[]> back, List<String> keys, List<byte[]> data) {
    if (back.size() != keys.size()) {
      System.out.println(what + ": " + back.size() + " user records instead of " + keys.size());
      return false;
    }
    for (int i = 0; i < keys.size(); i++) {
      String value = new String(data.get(i), StandardCharsets.UTF_8);
      if (!keys.get(i).equals(back.get(i)[0]) || !value.equals(back.get(i)[1])) {
        System.out.println(what + ": user record " + i + " is " + back.get(i)[0] + "=" + back.get(i)[1]);
        return false;
      }
    }
    return true;
  }

  private static void printFailure(String call, Throwable e) {
    System.out.println(call + ": FAILED with " + e);
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      System.out.println("  caused by " + cause);
    }
    StackTraceElement[] frames = e.getStackTrace();
    for (int i = 0; i < Math.min(4, frames.length); i++) {
      System.out.println("    at " + frames[i]);
    }
  }

  private static String jarOf(String className) {
    try {
      String path = Class.forName(className, false, ConflictApp.class.getClassLoader()).getProtectionDomain()
          .getCodeSource().getLocation().getPath();
      return path.substring(path.lastIndexOf('/') + 1);
    } catch (ClassNotFoundException e) {
      return "(no " + className + ")";
    }
  }
}
